import { ValidationError } from '../errors/validation.error';

/** Position after the last item of a page: its sort key and id (the tie-breaker). */
export interface PageCursor {
  /** Sort key value as text (a timestamp, a number); compared in SQL after a cast. */
  k: string;
  id: string;
}

/** Opaque to clients: base64url of a small JSON object. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, field = 'cursor'): PageCursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      typeof value === 'object' && value !== null &&
      typeof (value as PageCursor).k === 'string' && typeof (value as PageCursor).id === 'string' &&
      /^[0-9a-f-]{36}$/i.test((value as PageCursor).id)
    ) {
      return { k: (value as PageCursor).k, id: (value as PageCursor).id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ field, message: 'cursor is not one this API returned' }]);
}
