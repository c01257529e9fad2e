import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Targets get a scan budget (per analysis and per month), continuous-analysis settings and the
 * state of their rolling analyses (watermark, last tick). Analyses are summed by month of
 * finishing for the costs, so finished analyses are indexed by target and time.
 */
export class AddTargetBudgetAndContinuousAnalysis1796300001600 implements MigrationInterface {
  name = 'AddTargetBudgetAndContinuousAnalysis1796300001600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "targets" ADD "budget" jsonb`);
    await queryRunner.query(`ALTER TABLE "targets" ADD "continuous" jsonb`);
    await queryRunner.query(`ALTER TABLE "targets" ADD "continuous_state" jsonb`);
    await queryRunner.query(
      `CREATE INDEX "ix_analyses_target_finished" ON "analyses" ("target_id", "finished_at") WHERE "finished_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_analyses_target_finished"`);
    await queryRunner.query(`ALTER TABLE "targets" DROP COLUMN "continuous_state"`);
    await queryRunner.query(`ALTER TABLE "targets" DROP COLUMN "continuous"`);
    await queryRunner.query(`ALTER TABLE "targets" DROP COLUMN "budget"`);
  }
}
