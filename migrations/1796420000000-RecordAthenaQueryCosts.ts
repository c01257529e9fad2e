import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every Athena query an analysis starts gets a row of its own, with the bytes Athena reported it
 * scanned and what that is billed, however it ended: a query stopped on a timeout, cancelled or
 * failed was not counted anywhere, since only a successful read put its figures on the analysis.
 * The month's spending and the budget check sum these rows (by `recorded_at`) instead of the
 * figures on the analyses. The analyses that read Athena before keep their spending: their one
 * query is copied here, dated when the analysis finished (a stored id that is no query id, a
 * string of 1 to 128 characters, is left out, and a cost that is no number taken as none, rather
 * than failing the migration). A query is recorded as soon as Athena gives its id; the rows no job
 * saw end are finished by a sweep that asks Athena, which keeps on the row when it last asked and
 * why it could not (`last_checked_at`, `check_error`, `check_failures`).
 */
export class RecordAthenaQueryCosts1796420000000 implements MigrationInterface {
  name = 'RecordAthenaQueryCosts1796420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "athena_query_costs" (
        "query_execution_id" character varying(128) NOT NULL,
        "target_id" uuid NOT NULL,
        "analysis_id" uuid,
        "attempt" integer NOT NULL,
        "state" character varying(16) NOT NULL,
        "bytes_scanned" bigint NOT NULL,
        "cost_usd" numeric NOT NULL,
        "timed_out" boolean NOT NULL DEFAULT false,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_checked_at" TIMESTAMP WITH TIME ZONE,
        "check_error" text,
        "check_failures" integer NOT NULL DEFAULT 0,
        CONSTRAINT "pk_athena_query_costs" PRIMARY KEY ("query_execution_id"),
        CONSTRAINT "fk_athena_query_costs_target" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_athena_query_costs_analysis" FOREIGN KEY ("analysis_id") REFERENCES "analyses"("id") ON DELETE SET NULL,
        CONSTRAINT "ck_athena_query_costs_state" CHECK ("state" IN ('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')),
        CONSTRAINT "ck_athena_query_costs_bytes_scanned" CHECK ("bytes_scanned" >= 0),
        CONSTRAINT "ck_athena_query_costs_cost_usd" CHECK ("cost_usd" >= 0),
        CONSTRAINT "ck_athena_query_costs_check_failures" CHECK ("check_failures" >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX "ix_athena_query_costs_target_recorded" ON "athena_query_costs" ("target_id", "recorded_at")`);
    await queryRunner.query(
      `CREATE INDEX "ix_athena_query_costs_analysis" ON "athena_query_costs" ("analysis_id") WHERE "analysis_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_athena_query_costs_unsettled" ON "athena_query_costs" ("updated_at") WHERE "state" IN ('QUEUED','RUNNING')`,
    );
    await queryRunner.query(`
      INSERT INTO "athena_query_costs"
        ("query_execution_id", "target_id", "analysis_id", "attempt", "state", "bytes_scanned", "cost_usd", "recorded_at", "updated_at")
      SELECT "statistics" -> 'queryExecutionIds' ->> 0, "target_id", "id", "attempt", 'SUCCEEDED',
             GREATEST(("statistics" ->> 'bytesScanned')::numeric, 0)::bigint,
             CASE WHEN jsonb_typeof("statistics" -> 'estimatedCostUsd') = 'number'
                  THEN GREATEST(("statistics" ->> 'estimatedCostUsd')::numeric, 0) ELSE 0 END,
             "finished_at", "finished_at"
        FROM "analyses"
       WHERE "finished_at" IS NOT NULL
         AND jsonb_typeof("statistics" -> 'queryExecutionIds') = 'array'
         AND jsonb_typeof("statistics" -> 'queryExecutionIds' -> 0) = 'string'
         AND length("statistics" -> 'queryExecutionIds' ->> 0) BETWEEN 1 AND 128
         AND jsonb_typeof("statistics" -> 'bytesScanned') = 'number'
      ON CONFLICT ("query_execution_id") DO NOTHING`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "athena_query_costs"`);
  }
}
