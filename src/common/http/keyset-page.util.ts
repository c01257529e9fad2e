import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationError } from '../errors/validation.error';
import { decodeCursor, encodeCursor, isCursorKeyOf, type CursorKeyType } from './page-cursor';
import type { PageQuery } from './page.query';

/** The column a list is sorted by, with the row id as tie-breaker. */
export interface KeysetSort<T> {
  /** Qualified column, e.g. `f.last_seen`. */
  column: string;
  /** SQL type the cursor's text key is cast back to (and checked against first). */
  cast: CursorKeyType;
  direction: 'ASC' | 'DESC';
  /** The row's sort key as the cursor stores it. */
  key: (row: T) => string;
}

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The order of lists that show the newest first: created_at, then id, both descending. */
export function newestFirst<T extends { createdAt: Date }>(alias: string): KeysetSort<T> {
  return { column: `${alias}.created_at`, cast: 'timestamptz', direction: 'DESC', key: (row) => row.createdAt.toISOString() };
}

/**
 * One page of a filtered query, in keyset order: rows strictly after the cursor, one more than
 * the limit fetched only to tell whether another page follows.
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  query: PageQuery,
  sort: KeysetSort<T>,
): Promise<KeysetPage<T>> {
  return pageOf(qb, query, sort, () => qb.getMany());
}

/**
 * keysetPage over raw rows: for lists that select only the columns they return (a projection
 * the caller maps) rather than whole entities. `sort.key` reads the raw row, which must have `id`.
 */
export async function keysetRawPage<R extends { id: string }>(
  qb: SelectQueryBuilder<ObjectLiteral>,
  query: PageQuery,
  sort: KeysetSort<R>,
): Promise<KeysetPage<R>> {
  return pageOf(qb, query, sort, () => qb.getRawMany<R>());
}

async function pageOf<R extends { id: string }>(
  qb: SelectQueryBuilder<ObjectLiteral>,
  query: PageQuery,
  sort: KeysetSort<R>,
  fetch: () => Promise<R[]>,
): Promise<KeysetPage<R>> {
  const limit = query.limit ?? 50;
  qb.orderBy(sort.column, sort.direction)
    .addOrderBy(`${qb.alias}.id`, sort.direction)
    .take(limit + 1);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    if (!isCursorKeyOf(sort.cast, cursor.k)) {
      throw new ValidationError([{ field: 'cursor', message: 'cursor is not one this API returned for this sort' }]);
    }
    const op = sort.direction === 'ASC' ? '>' : '<';
    qb.andWhere(`(${sort.column}, ${qb.alias}.id) ${op} (CAST(:cursorKey AS ${sort.cast}), CAST(:cursorId AS uuid))`, {
      cursorKey: cursor.k,
      cursorId: cursor.id,
    });
  }
  const rows = await fetch();
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ k: sort.key(last), id: last.id }) : null };
}
