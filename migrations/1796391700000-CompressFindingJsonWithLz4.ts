import type { MigrationInterface, QueryRunner } from 'typeorm';
import { setFindingsCompression } from './support/findings-compression';

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
    await setFindingsCompression(queryRunner, ['finding', 'flows'], 'lz4');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await setFindingsCompression(queryRunner, ['finding', 'flows'], 'default');
  }
}
