import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A retried analysis kept no trace of why its earlier attempts ended: the retry cleared `failure`.
 * Each retry now appends the attempt's failure (with its attempt number and status) here, oldest
 * first. Analyses retried before this migration start with an empty history.
 */
export class KeepPreviousAnalysisFailures1796416000001 implements MigrationInterface {
  name = 'KeepPreviousAnalysisFailures1796416000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "analyses" ADD "previous_failures" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "analyses" DROP COLUMN "previous_failures"`);
  }
}
