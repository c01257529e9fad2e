import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ValidationError } from '../errors/validation.error';
import { decodeCursor, encodeCursor, isCursorKeyOf, type CursorKeyType, type PageCursor } from './page-cursor';
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
  const cursor = query.cursor ? cursorAfter(query.cursor, sort.cast, orderOf(sort)) : null;
  if (cursor) {
    const op = sort.direction === 'ASC' ? '>' : '<';
    qb.andWhere(`(${sort.column}, ${qb.alias}.id) ${op} (CAST(:cursorKey AS ${sort.cast}), CAST(:cursorId AS uuid))`, {
      cursorKey: cursor.k,
      cursorId: cursor.id,
    });
  }
  return keysetPageOf(await fetch(), limit, sort);
}

/** The order a list of a fixed sort gives its cursors: its column and direction. */
function orderOf(sort: Pick<KeysetSort<never>, 'column' | 'direction'>): string {
  return `${sort.column} ${sort.direction}`;
}

/** An order a client chose, as a findings cursor names it: `sort=severity&order=desc`. */
const CLIENT_ORDER = /^sort=[A-Za-z]{1,20}&order=(asc|desc)$/;

/**
 * The position a client's cursor names, checked to be one this API could have written for this
 * order (`order`: what the cursor's `o` must be) and a sort key of this type: the values a keyset
 * query binds for "after the cursor".
 */
export function cursorAfter(text: string, cast: CursorKeyType, order: string): Readonly<PageCursor> {
  const key = `${cast}\n${order}\n${text}`;
  const known = acceptedCursors.get(key);
  if (known) return known;
  const cursor = Object.freeze(checkedCursor(text, cast, order));
  if (acceptedCursors.size >= MAX_ACCEPTED_CURSORS) acceptedCursors.clear();
  acceptedCursors.set(key, cursor);
  return cursor;
}

/**
 * Cursors accepted before, by their text and what they were checked against: a client paging
 * through a list, or polling one page, sends the same cursors again, and decoding and checking
 * one costs more than the rest of answering from the findings cache. Only accepted ones are kept
 * (a refused cursor is checked, and refused, every time); past MAX_ACCEPTED_CURSORS they are forgotten.
 */
const acceptedCursors = new Map<string, Readonly<PageCursor>>();
const MAX_ACCEPTED_CURSORS = 1_024;

function checkedCursor(text: string, cast: CursorKeyType, order: string): PageCursor {
  const cursor = decodeCursor(text);
  if (cursor.o !== order) {
    const message =
      CLIENT_ORDER.test(cursor.o) && CLIENT_ORDER.test(order)
        ? `cursor was made for ${cursor.o}, not ${order}: send it with the sort and order it came with, or start again without a cursor`
        : 'cursor is not one this API returned for this list';
    throw new ValidationError([{ field: 'cursor', message }]);
  }
  if (!isCursorKeyOf(cast, cursor.k)) {
    throw new ValidationError([{ field: 'cursor', message: 'cursor is not one this API returned for this sort' }]);
  }
  return cursor;
}

/** A page of the rows a keyset query fetched (at most limit + 1, in order): the cursor only when another page follows. */
export function keysetPageOf<R extends { id: string }>(
  rows: R[],
  limit: number,
  sort: Pick<KeysetSort<R>, 'key' | 'column' | 'direction'>,
): KeysetPage<R> {
  const items = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ k: sort.key(last), id: last.id, o: orderOf(sort) }) : null };
}
