import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES_BEFORE = `'pending','succeeded','failed','dead','skipped'`;
const STATUSES_AFTER = `'pending','held','succeeded','failed','dead','skipped'`;

/**
 * Deliveries of a disabled subscription are held (status `held`) instead of failed, and
 * re-enabling the subscription resumes them; `resumes` counts those resumptions so each one
 * queues a job with an id of its own. Undoing turns held deliveries into failed ones, as they
 * were before.
 */
export class HoldDeliveriesOfDisabledWebhooks1795900000000 implements MigrationInterface {
  name = 'HoldDeliveriesOfDisabledWebhooks1795900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "ck_webhook_deliveries_status"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN (${STATUSES_AFTER}))`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD "resumes" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_held" ON "webhook_deliveries" ("subscription_id") WHERE "status" = 'held'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_held"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP COLUMN "resumes"`);
    await queryRunner.query(
      `UPDATE "webhook_deliveries" SET "status" = 'failed', "last_error" = 'subscription disabled' WHERE "status" = 'held'`,
    );
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "ck_webhook_deliveries_status"`);
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN (${STATUSES_BEFORE}))`,
    );
  }
}
