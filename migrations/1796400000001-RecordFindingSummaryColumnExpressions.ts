import type { MigrationInterface, QueryRunner } from 'typeorm';
import { FINDING_SAMPLE_FLOWS_EXPRESSION, FINDING_SUMMARY_EXPRESSION } from './1796400000000-AddFindingSummaryColumns';

/**
 * TypeORM learns a generated column's expression from its own table `typeorm_metadata`, not from
 * PostgreSQL (which prints expressions its own way). The findings' generated columns `summary` and
 * `sample_flows` were added in SQL, so nothing recorded them there: `migration:generate` failed
 * for want of the table and, with it, proposed dropping both columns. Recording their expressions
 * (in the table TypeORM would create, and the rows it would write) lets it compare them with the
 * entity's.
 */
export class RecordFindingSummaryColumnExpressions1796400000001 implements MigrationInterface {
  name = 'RecordFindingSummaryColumnExpressions1796400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "typeorm_metadata" (
         "type" varchar NOT NULL, "database" varchar, "schema" varchar, "table" varchar, "name" varchar, "value" text)`,
    );
    await this.forget(queryRunner);
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata" ("type", "database", "schema", "table", "name", "value")
       VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'findings', 'summary', $1),
              ('GENERATED_COLUMN', current_database(), current_schema(), 'findings', 'sample_flows', $2)`,
      [FINDING_SUMMARY_EXPRESSION, FINDING_SAMPLE_FLOWS_EXPRESSION],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.forget(queryRunner);
    // The table goes too when nothing else is recorded in it, as on a database this migration created it in.
    const [{ rows }] = (await queryRunner.query(`SELECT count(*)::int AS rows FROM "typeorm_metadata"`)) as Array<{ rows: number }>;
    if (rows === 0) await queryRunner.query(`DROP TABLE "typeorm_metadata"`);
  }

  private async forget(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "typeorm_metadata"
       WHERE "type" = 'GENERATED_COLUMN' AND "schema" = current_schema() AND "table" = 'findings' AND "name" IN ('summary', 'sample_flows')`,
    );
  }
}
