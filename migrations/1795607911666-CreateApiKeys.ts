import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1795607911666 implements MigrationInterface {
  name = 'CreateApiKeys1795607911666';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(100) NOT NULL,
        "lookup_id" character varying(12) NOT NULL,
        "secret_hash" character(64) NOT NULL,
        "scopes" text array NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"),
        CONSTRAINT "uq_api_keys_lookup_id" UNIQUE ("lookup_id"),
        CONSTRAINT "ck_api_keys_scopes" CHECK (cardinality("scopes") > 0 AND "scopes" <@ ARRAY['read','write','admin']::text[])
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
