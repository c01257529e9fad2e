import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getMetadataArgsStorage } from 'typeorm';

type EntityClass = abstract new (...args: never[]) => unknown;

const SRC_DIR = resolve(__dirname, '..', '..', '..', 'src');

/**
 * Every entity class in src/**\/*.entity.ts, imported from the TypeScript sources (TypeORM's own
 * file globs cannot load .ts), as the migration CLI's data source finds them in dist: a DataSource
 * holding them all, as the app's and the worker's do.
 */
export async function loadEntityClasses(): Promise<EntityClass[]> {
  const files = readdirSync(SRC_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.entity.ts'))
    .sort();
  const modules = await Promise.all(files.map((file) => import(join(SRC_DIR, file)) as Promise<Record<string, unknown>>));
  const tables = new Set(getMetadataArgsStorage().tables.map((table) => table.target));
  return modules.flatMap((module) => Object.values(module).filter((value): value is EntityClass => tables.has(value as EntityClass)));
}
