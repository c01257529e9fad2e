import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The channel the API listens on (src/database/change-notifications.ts names the same). */
const CHANNEL = 'sgdoctor_findings_changed';

/** The tables whose rows the findings list and a finding's detail are rendered from. */
const TABLES = ['findings', 'finding_tickets'] as const;

/**
 * The API keeps the findings list pages and finding details it rendered, and must know when one of
 * them may have changed. Each statement that writes (or truncates) a table they are read from
 * notifies the channel with an empty payload: PostgreSQL delivers a transaction's notifications
 * when it commits and folds identical ones into one, so a transaction of any size sends one, and a
 * rolled-back one none. Statement-level, so a batch of a thousand findings costs one call.
 */
export class NotifyFindingChanges1796414000000 implements MigrationInterface {
  name = 'NotifyFindingChanges1796414000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION notify_findings_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM pg_notify('${CHANNEL}', '');
  RETURN NULL;
END
$body$`);
    for (const table of TABLES) {
      await queryRunner.query(
        `CREATE TRIGGER "${table}_notify_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
          FOR EACH STATEMENT EXECUTE FUNCTION notify_findings_changed()`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await queryRunner.query(`DROP TRIGGER "${table}_notify_changed" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION notify_findings_changed()`);
  }
}
