import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reachability Analyzer confirmations: the path asked about (from a finding or a path question),
 * sgdoctor's answer at the time, AWS's analysis and the hop-by-hop comparison. `requested_at` is
 * the service clock's instant, so the monthly budget counts by it; `analyses_started` is what AWS
 * billed (a confirmation that failed before its analysis started costs nothing).
 */
export class CreateReachabilityConfirmations1796200000000 implements MigrationInterface {
  name = 'CreateReachabilityConfirmations1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "reachability_confirmations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "target_id" uuid NOT NULL,
        "finding_id" uuid,
        "subject" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'queued',
        "query" jsonb NOT NULL,
        "analyzer_path" jsonb NOT NULL,
        "sgdoctor" jsonb NOT NULL,
        "network_insights_path_id" character varying(64),
        "network_insights_analysis_id" character varying(64),
        "analyses_started" integer NOT NULL DEFAULT 0,
        "analysis" jsonb,
        "comparison" jsonb,
        "failure" jsonb,
        "cleanup" jsonb,
        "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_reachability_confirmations" PRIMARY KEY ("id"),
        CONSTRAINT "fk_reachability_confirmations_target" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_reachability_confirmations_finding" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE SET NULL,
        CONSTRAINT "ck_reachability_confirmations_subject" CHECK ("subject" IN ('finding','path')),
        CONSTRAINT "ck_reachability_confirmations_status" CHECK ("status" IN ('queued','running','succeeded','failed')),
        CONSTRAINT "ck_reachability_confirmations_analyses_started" CHECK ("analyses_started" >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_reachability_confirmations_target_requested" ON "reachability_confirmations" ("target_id", "requested_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reachability_confirmations_finding" ON "reachability_confirmations" ("finding_id") WHERE "finding_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reachability_confirmations"`);
  }
}
