import type { QueryRunner } from 'typeorm';

/** Sets the compression of findings' `columns`, where the server has lz4; elsewhere leaves the default. */
export async function setFindingsCompression(
  queryRunner: QueryRunner,
  columns: readonly string[],
  method: 'lz4' | 'default',
): Promise<void> {
  const available: unknown[] = await queryRunner.query(
    `SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`,
  );
  if (available.length === 0) return;
  await queryRunner.query(
    `ALTER TABLE "findings" ${columns.map((column) => `ALTER COLUMN "${column}" SET COMPRESSION ${method}`).join(', ')}`,
  );
}
