import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions and their delivery log, finding ↔ ticket links, report schedules and
 * reports. One delivery per (event, subscription) and one ticket per (finding, subscription)
 * are unique constraints, so a redelivered fan-out or ticket job cannot duplicate them; one
 * report per (schedule, tick) makes a scheduler tick idempotent.
 */
export class CreateIntegrations1795800000000 implements MigrationInterface {
  name = 'CreateIntegrations1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_subscriptions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(100) NOT NULL,
        "url" text NOT NULL,
        "events" text array NOT NULL,
        "filters" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "format" character varying(16) NOT NULL,
        "secret_encrypted" text,
        "settings" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "credentials_encrypted" text,
        "enabled" boolean NOT NULL DEFAULT true,
        "disabled_at" TIMESTAMP WITH TIME ZONE,
        "disabled_reason" text,
        "consecutive_dead" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_subscriptions" PRIMARY KEY ("id"),
        CONSTRAINT "ck_webhook_subscriptions_format" CHECK ("format" IN ('standard','jira','servicenow','slack'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_subscriptions_events" ON "webhook_subscriptions" USING GIN ("events")`);

    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "subscription_id" uuid NOT NULL,
        "event_id" character varying(40),
        "message_id" character varying(40) NOT NULL,
        "event_type" character varying(40) NOT NULL,
        "payload" text NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "last_status_code" integer,
        "last_duration_ms" integer,
        "last_error" text,
        "last_attempt_at" TIMESTAMP WITH TIME ZONE,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        "dead_at" TIMESTAMP WITH TIME ZONE,
        "redeliveries" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "fk_webhook_deliveries_subscription" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE,
        CONSTRAINT "uq_webhook_deliveries_event_subscription" UNIQUE ("event_id", "subscription_id"),
        CONSTRAINT "ck_webhook_deliveries_status" CHECK ("status" IN ('pending','succeeded','failed','dead','skipped'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_subscription" ON "webhook_deliveries" ("subscription_id", "created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_dead" ON "webhook_deliveries" ("dead_at" DESC) WHERE "status" = 'dead'`);

    await queryRunner.query(`
      CREATE TABLE "webhook_delivery_attempts" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "delivery_id" uuid NOT NULL,
        "attempt" integer NOT NULL,
        "status_code" integer,
        "duration_ms" integer,
        "error" text,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_delivery_attempts" PRIMARY KEY ("id"),
        CONSTRAINT "fk_webhook_delivery_attempts_delivery" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_delivery_attempts_delivery" ON "webhook_delivery_attempts" ("delivery_id", "id")`);

    await queryRunner.query(`
      CREATE TABLE "finding_tickets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "finding_id" uuid NOT NULL,
        "subscription_id" uuid NOT NULL,
        "system" character varying(16) NOT NULL,
        "external_id" character varying(100) NOT NULL,
        "external_key" character varying(100) NOT NULL,
        "url" text NOT NULL,
        "state" character varying(16) NOT NULL DEFAULT 'open',
        "last_synced_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_finding_tickets" PRIMARY KEY ("id"),
        CONSTRAINT "fk_finding_tickets_finding" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_finding_tickets_subscription" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE,
        CONSTRAINT "uq_finding_tickets_finding_subscription" UNIQUE ("finding_id", "subscription_id"),
        CONSTRAINT "ck_finding_tickets_system" CHECK ("system" IN ('jira','servicenow'))
      )`);

    await queryRunner.query(`
      CREATE TABLE "report_schedules" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(100) NOT NULL,
        "target_ids" uuid array NOT NULL,
        "cron" character varying(120) NOT NULL,
        "time_zone" character varying(64) NOT NULL,
        "lookback_hours" integer NOT NULL DEFAULT 24,
        "formats" text array NOT NULL,
        "webhook_ids" uuid array NOT NULL DEFAULT '{}',
        "enabled" boolean NOT NULL DEFAULT true,
        "last_run_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_report_schedules" PRIMARY KEY ("id"),
        CONSTRAINT "ck_report_schedules_lookback" CHECK ("lookback_hours" BETWEEN 1 AND 744)
      )`);

    await queryRunner.query(`
      CREATE TABLE "reports" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "schedule_id" uuid,
        "run_key" character varying(120) NOT NULL,
        "trigger" character varying(16) NOT NULL,
        "period_from" TIMESTAMP WITH TIME ZONE NOT NULL,
        "period_to" TIMESTAMP WITH TIME ZONE NOT NULL,
        "formats" text array NOT NULL,
        "analysis_ids" uuid array NOT NULL DEFAULT '{}',
        "data" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_reports" PRIMARY KEY ("id"),
        CONSTRAINT "fk_reports_schedule" FOREIGN KEY ("schedule_id") REFERENCES "report_schedules"("id") ON DELETE SET NULL,
        CONSTRAINT "uq_reports_run_key" UNIQUE ("run_key"),
        CONSTRAINT "ck_reports_trigger" CHECK ("trigger" IN ('schedule','manual'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_reports_schedule_created" ON "reports" ("schedule_id", "created_at" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_reports_created" ON "reports" ("created_at" DESC, "id" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reports"`);
    await queryRunner.query(`DROP TABLE "report_schedules"`);
    await queryRunner.query(`DROP TABLE "finding_tickets"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
  }
}
