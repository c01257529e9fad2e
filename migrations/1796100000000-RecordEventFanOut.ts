import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `events.fanned_out_at`: when the event's deliveries were created. Publishing (enqueueing the
 * fan-out job) is not enough to know an event reached its subscribers: a Redis that loses its
 * data loses the job too. The reconciler fans out again every published event that has no
 * fan-out recorded and no live job. Events that existed before are taken as fanned out.
 */
export class RecordEventFanOut1796100000000 implements MigrationInterface {
  name = 'RecordEventFanOut1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "events" ADD "fanned_out_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE "events" SET "fanned_out_at" = "published_at" WHERE "published_at" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "ix_events_not_fanned_out" ON "events" ("published_at") WHERE "published_at" IS NOT NULL AND "fanned_out_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_events_not_fanned_out"`);
    await queryRunner.query(`ALTER TABLE "events" DROP COLUMN "fanned_out_at"`);
  }
}
