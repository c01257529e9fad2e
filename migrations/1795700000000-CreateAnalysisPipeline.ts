import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Targets, analyses, findings with their audit trail, and the domain events outbox.
 * One running analysis per target is a partial unique index; one finding per (target,
 * fingerprint) is a unique constraint, which makes a redelivered analysis job idempotent.
 */
export class CreateAnalysisPipeline1795700000000 implements MigrationInterface {
  name = 'CreateAnalysisPipeline1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "targets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(100) NOT NULL,
        "account_id" character(12) NOT NULL,
        "region" character varying(32) NOT NULL,
        "access" jsonb NOT NULL,
        "scope" jsonb NOT NULL,
        "flow_source" jsonb NOT NULL,
        "config_source" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_targets" PRIMARY KEY ("id"),
        CONSTRAINT "ck_targets_account_id" CHECK ("account_id" ~ '^[0-9]{12}$')
      )`);

    await queryRunner.query(`
      CREATE TABLE "analyses" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "target_id" uuid NOT NULL,
        "status" character varying(16) NOT NULL,
        "window_from" TIMESTAMP WITH TIME ZONE NOT NULL,
        "window_to" TIMESTAMP WITH TIME ZONE NOT NULL,
        "stage" character varying(16),
        "progress" smallint NOT NULL DEFAULT 0,
        "attempt" integer NOT NULL DEFAULT 0,
        "statistics" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "failure" jsonb,
        "snapshot" jsonb,
        "requested_by" character varying(64),
        -- Millisecond precision: list cursors carry the ISO timestamp of the last item.
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT date_trunc('milliseconds', now()),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_analyses" PRIMARY KEY ("id"),
        CONSTRAINT "fk_analyses_target" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE,
        CONSTRAINT "ck_analyses_status" CHECK ("status" IN ('queued','running','succeeded','failed','cancelled')),
        CONSTRAINT "ck_analyses_window" CHECK ("window_from" < "window_to"),
        CONSTRAINT "ck_analyses_progress" CHECK ("progress" BETWEEN 0 AND 100)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_analyses_active_target" ON "analyses" ("target_id") WHERE "status" IN ('queued','running')`,
    );
    await queryRunner.query(`CREATE INDEX "ix_analyses_target_created" ON "analyses" ("target_id", "created_at" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_analyses_created" ON "analyses" ("created_at" DESC, "id" DESC)`);

    await queryRunner.query(`
      CREATE TABLE "findings" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "target_id" uuid NOT NULL,
        "fingerprint" character varying(32) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'open',
        "status_reason" text,
        "suppressed_until" TIMESTAMP WITH TIME ZONE,
        "classification" character varying(32) NOT NULL,
        "severity" character varying(16) NOT NULL,
        "severity_rank" smallint NOT NULL,
        "control" character varying(32) NOT NULL,
        "direction" character varying(8) NOT NULL,
        "protocol" integer NOT NULL,
        "port" integer,
        "return_traffic" boolean NOT NULL,
        "security_group_ids" text array NOT NULL DEFAULT '{}',
        "network_acl_id" character varying(64),
        "vpc_ids" text array NOT NULL DEFAULT '{}',
        "interface_ids" text array NOT NULL DEFAULT '{}',
        "records" bigint NOT NULL DEFAULT 0,
        "packets" bigint NOT NULL DEFAULT 0,
        "bytes" bigint NOT NULL DEFAULT 0,
        "first_seen" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_seen" TIMESTAMP WITH TIME ZONE NOT NULL,
        "finding" jsonb NOT NULL,
        "flows" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "counts" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "search_text" text NOT NULL DEFAULT '',
        "first_analysis_id" uuid,
        "last_analysis_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "resolved_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_findings" PRIMARY KEY ("id"),
        CONSTRAINT "fk_findings_target" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE,
        CONSTRAINT "uq_findings_target_fingerprint" UNIQUE ("target_id", "fingerprint"),
        CONSTRAINT "ck_findings_status" CHECK ("status" IN ('open','acknowledged','resolved','suppressed'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_findings_target_status" ON "findings" ("target_id", "status")`);
    await queryRunner.query(`CREATE INDEX "ix_findings_last_seen" ON "findings" ("last_seen" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_findings_severity" ON "findings" ("severity_rank" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_findings_records" ON "findings" ("records" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_findings_security_group_ids" ON "findings" USING GIN ("security_group_ids")`);
    await queryRunner.query(`CREATE INDEX "ix_findings_vpc_ids" ON "findings" USING GIN ("vpc_ids")`);
    await queryRunner.query(`CREATE INDEX "ix_findings_network_acl_id" ON "findings" ("network_acl_id")`);
    await queryRunner.query(`CREATE INDEX "ix_findings_port" ON "findings" ("port")`);
    await queryRunner.query(`CREATE INDEX "ix_findings_last_analysis" ON "findings" ("last_analysis_id")`);

    await queryRunner.query(`
      CREATE TABLE "finding_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "finding_id" uuid NOT NULL,
        "actor_type" character varying(16) NOT NULL,
        "actor_id" character varying(64),
        "from_status" character varying(16),
        "to_status" character varying(16) NOT NULL,
        "reason" text,
        "analysis_id" uuid,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_finding_events" PRIMARY KEY ("id"),
        CONSTRAINT "fk_finding_events_finding" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE CASCADE,
        CONSTRAINT "ck_finding_events_actor_type" CHECK ("actor_type" IN ('api-key','system'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_finding_events_finding" ON "finding_events" ("finding_id", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_finding_events_analysis" ON "finding_events" ("analysis_id")`);

    await queryRunner.query(`
      CREATE TABLE "events" (
        "id" character varying(40) NOT NULL,
        "type" character varying(40) NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "target_id" uuid,
        "subject" jsonb NOT NULL,
        "data" jsonb NOT NULL,
        "published_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_events_occurred" ON "events" ("occurred_at", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_events_unpublished" ON "events" ("occurred_at") WHERE "published_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "events"`);
    await queryRunner.query(`DROP TABLE "finding_events"`);
    await queryRunner.query(`DROP TABLE "findings"`);
    await queryRunner.query(`DROP TABLE "analyses"`);
    await queryRunner.query(`DROP TABLE "targets"`);
  }
}
