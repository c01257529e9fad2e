import type { MigrationInterface, QueryRunner } from 'typeorm';

/** 10^10 seconds: the share of `priority` that holds last_seen (epoch seconds stay below it until 2286). */
const SECONDS = '10000000000';
const RANK = `(CASE "classification" WHEN 'likely-misconfiguration' THEN 3 WHEN 'uncertain' THEN 2 ELSE 1 END * 10 + "severity_rank")`;

/**
 * Findings get a `kind` (`rule`: one control × direction × protocol × port; `campaign`: scanner
 * noise of one source or of sources acting together) and a `priority` that the default list
 * order sorts by: misconfigurations first (by severity), then uncertain, then noise, the most
 * recently seen first within each. Existing findings are rule findings; their stored engine
 * finding gets `"kind": "rule"` so readers see the same shape for old and new rows.
 */
export class AddFindingKindAndPriority1796031000000 implements MigrationInterface {
  name = 'AddFindingKindAndPriority1796031000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "findings" ADD "kind" varchar(16) NOT NULL DEFAULT 'rule'`);
    await queryRunner.query(`ALTER TABLE "findings" ADD CONSTRAINT "ck_findings_kind" CHECK ("kind" IN ('rule','campaign'))`);
    await queryRunner.query(`ALTER TABLE "findings" ADD "priority" bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `UPDATE "findings" SET "priority" = ${RANK}::bigint * ${SECONDS} + FLOOR(EXTRACT(EPOCH FROM "last_seen"))::bigint,
         "finding" = jsonb_set("finding", '{kind}', '"rule"')`,
    );
    await queryRunner.query(`CREATE INDEX "ix_findings_priority" ON "findings" ("priority" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "ix_findings_kind" ON "findings" ("kind")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_findings_kind"`);
    await queryRunner.query(`DROP INDEX "ix_findings_priority"`);
    await queryRunner.query(`ALTER TABLE "findings" DROP COLUMN "priority"`);
    await queryRunner.query(`ALTER TABLE "findings" DROP CONSTRAINT "ck_findings_kind"`);
    await queryRunner.query(`ALTER TABLE "findings" DROP COLUMN "kind"`);
  }
}
