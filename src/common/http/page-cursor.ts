import { ValidationError } from '../errors/validation.error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Position after the last item of a page: its sort key and id (the tie-breaker), in the order it was made for. */
export interface PageCursor {
  /** Sort key value as text (a timestamp, a number); compared in SQL after a cast. */
  k: string;
  id: string;
  /**
   * The order the cursor continues: `sort=…&order=…` for a list the client sorts (findings), the
   * list's own order otherwise. A cursor is refused in any other order, where its key would mean
   * another position (a severity rank read as a priority) or none.
   */
  o: string;
}

/** Opaque to clients: base64url of a small JSON object. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, field = 'cursor'): PageCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as PageCursor).k === 'string' &&
      typeof (value as PageCursor).id === 'string' &&
      UUID.test((value as PageCursor).id) &&
      typeof (value as PageCursor).o === 'string'
    ) {
      return { k: (value as PageCursor).k, id: (value as PageCursor).id, o: (value as PageCursor).o };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ field, message: 'cursor is not one this API returned' }]);
}

/** SQL types a cursor's sort key is cast back to, and the text each accepts. */
export type CursorKeyType = 'timestamptz' | 'integer' | 'bigint';

const INTEGER_LIMITS: Record<'integer' | 'bigint', bigint> = { integer: 2n ** 31n, bigint: 2n ** 63n };

/**
 * Whether a cursor's sort key is a value of the type it is cast to in SQL, exactly as this API
 * writes it (an ISO instant in milliseconds, or a decimal integer in range). Anything else would
 * reach PostgreSQL as a cast error, or as one of its special values (`'yesterday'`).
 */
export function isCursorKeyOf(type: CursorKeyType, key: string): boolean {
  if (type === 'timestamptz') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(key)) return false;
    const instant = new Date(key);
    return !Number.isNaN(instant.getTime()) && instant.toISOString() === key;
  }
  if (!/^-?\d{1,19}$/.test(key)) return false;
  const value = BigInt(key);
  const limit = INTEGER_LIMITS[type];
  return value >= -limit && value < limit;
}
