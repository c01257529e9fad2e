import type { MigrationInterface } from 'typeorm';

type MigrationClass = new () => MigrationInterface;

/**
 * Every migration class in migrations/, loaded from the TypeScript sources (tests run on
 * sources, where TypeORM's file globs cannot load .ts files). Sorted by their timestamp names.
 */
export function loadMigrationClasses(): MigrationClass[] {
  const modules = import.meta.glob<Record<string, unknown>>('../../migrations/*.ts', { eager: true });
  return Object.keys(modules)
    .sort()
    .flatMap((path) => Object.values(modules[path]).filter((value): value is MigrationClass => typeof value === 'function'));
}
