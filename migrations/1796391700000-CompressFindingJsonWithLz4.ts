import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A finding's JSON and flows (several kilobytes each, written for every finding of every analysis)
 * are compressed with lz4 instead of pglz: about as small and much cheaper to compress (pglz took
 * about a quarter of PostgreSQL's time storing a finding's row). Only where the server has lz4 (PostgreSQL 14
 * or later built with it, as the usual packages and managed services are); elsewhere the default
 * stays. Values already stored keep their compression until rewritten.
 */
export class CompressFindingJsonWithLz41796391700000 implements MigrationInterface {
  name = 'CompressFindingJsonWithLz41796391700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.setCompression(queryRunner, 'lz4');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.setCompression(queryRunner, 'default');
  }

  private async setCompression(queryRunner: QueryRunner, method: 'lz4' | 'default'): Promise<void> {
    const available: unknown[] = await queryRunner.query(
      `SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`,
    );
    if (available.length === 0) return;
    await queryRunner.query(
      `ALTER TABLE "findings" ALTER COLUMN "finding" SET COMPRESSION ${method}, ALTER COLUMN "flows" SET COMPRESSION ${method}`,
    );
  }
}
