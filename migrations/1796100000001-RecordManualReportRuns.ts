import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `report_runs`: every "run now" of a report schedule, recorded before its job is queued, so a
 * run whose job Redis lost is queued again by the reconciler (scheduled runs come back with
 * their job schedulers).
 */
export class RecordManualReportRuns1796100000001 implements MigrationInterface {
  name = 'RecordManualReportRuns1796100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "report_runs" (
        "id" uuid NOT NULL,
        "schedule_id" uuid NOT NULL,
        "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'queued',
        "report_id" uuid,
        "failure" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_report_runs" PRIMARY KEY ("id"),
        CONSTRAINT "fk_report_runs_schedule" FOREIGN KEY ("schedule_id") REFERENCES "report_schedules"("id") ON DELETE CASCADE,
        CONSTRAINT "ck_report_runs_status" CHECK ("status" IN ('queued','running','succeeded','failed'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_report_runs_active" ON "report_runs" ("created_at") WHERE "status" IN ('queued','running')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "report_runs"`);
  }
}
