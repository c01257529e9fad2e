import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

const MIGRATIONS_DIR = resolve(__dirname, '..', '..', '..', 'migrations');

/**
 * Every migration class in migrations/, imported from the TypeScript sources (tests run on
 * sources, where TypeORM's own file globs cannot load .ts), in timestamp order.
 */
export async function loadMigrationClasses(): Promise<MigrationClass[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d+-[\w-]+\.ts$/.test(file))
    .sort();
  const modules = await Promise.all(files.map((file) => import(join(MIGRATIONS_DIR, file)) as Promise<Record<string, unknown>>));
  return modules.flatMap((module) => Object.values(module).filter((value): value is MigrationClass => typeof value === 'function'));
}
