import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../../src/common/errors/validation.error';
import { cursorAfter } from '../../../src/common/http/keyset-page.util';
import { decodeCursor, encodeCursor } from '../../../src/common/http/page-cursor';

describe('page cursors', () => {
  it('decode what they encode, for any sort key and id', () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), fc.string(), (k, id, o) => {
        const text = encodeCursor({ k, id, o });
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeCursor(text)).toEqual({ k, id, o });
      }),
    );
  });

  it('keep only the sort key, the id and the order they were made for', () => {
    const text = Buffer.from(
      JSON.stringify({ k: '2026-11-24T00:00:00.000Z', id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab', o: 'a.created_at DESC', extra: 'x' }),
    ).toString('base64url');
    expect(decodeCursor(text)).toEqual({
      k: '2026-11-24T00:00:00.000Z',
      id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab',
      o: 'a.created_at DESC',
    });
  });

  it('continue only the sort and order they were made for', () => {
    const id = '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab';
    const severity = encodeCursor({ k: '1', id, o: 'sort=severity&order=desc' });
    expect(cursorAfter(severity, 'integer', 'sort=severity&order=desc')).toEqual({ k: '1', id, o: 'sort=severity&order=desc' });
    const refusal = (text: string, order: string) => {
      try {
        cursorAfter(text, 'bigint', order);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).details.errors;
      }
      throw new Error(`${order}: accepted`);
    };
    expect(refusal(severity, 'sort=priority&order=desc')).toEqual([
      {
        field: 'cursor',
        message:
          'cursor was made for sort=severity&order=desc, not sort=priority&order=desc: send it with the sort and order it came with, or start again without a cursor',
      },
    ]);
    expect(refusal(severity, 'sort=severity&order=asc')?.[0]?.message).toMatch(
      /^cursor was made for sort=severity&order=desc, not sort=severity&order=asc/,
    );
    // Another list's cursor, and one from before cursors named their order.
    const deliveries = encodeCursor({ k: '2026-11-24T00:00:00.000Z', id, o: 'd.created_at DESC' });
    expect(refusal(deliveries, 'a.created_at DESC')).toEqual([
      { field: 'cursor', message: 'cursor is not one this API returned for this list' },
    ]);
    const unbound = Buffer.from(JSON.stringify({ k: '1', id })).toString('base64url');
    expect(refusal(unbound, 'sort=priority&order=desc')).toEqual([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  });

  it('are judged again for another order or key type after one was accepted, and the one accepted cannot be changed', () => {
    const id = '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab';
    const text = encodeCursor({ k: '3000000000', id, o: 'sort=records&order=desc' });
    for (let i = 0; i < 3; i++)
      expect(cursorAfter(text, 'bigint', 'sort=records&order=desc')).toEqual({ k: '3000000000', id, o: 'sort=records&order=desc' });
    // Out of range for an integer key, and made for another order: refused however often it was accepted before.
    expect(() => cursorAfter(text, 'integer', 'sort=records&order=desc')).toThrow(ValidationError);
    expect(() => cursorAfter(text, 'bigint', 'sort=records&order=asc')).toThrow(ValidationError);
    const accepted = cursorAfter(text, 'bigint', 'sort=records&order=desc');
    expect(() => {
      (accepted as { k: string }).k = '1';
    }).toThrow(TypeError);
    expect(cursorAfter(text, 'bigint', 'sort=records&order=desc').k).toBe('3000000000');
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON that is not an object', Buffer.from('42').toString('base64url')],
    ['a missing id', Buffer.from(JSON.stringify({ k: '1', o: 'x' })).toString('base64url')],
    ['a missing order', Buffer.from(JSON.stringify({ k: '1', id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab' })).toString('base64url')],
    ['an id that is not a uuid', Buffer.from(JSON.stringify({ k: '1', id: "1' OR '1'='1" })).toString('base64url')],
    [
      'a sort key that is not text',
      Buffer.from(JSON.stringify({ k: 1, id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab' })).toString('base64url'),
    ],
    ['null', Buffer.from('null').toString('base64url')],
  ])('refuse %s as a validation error on the named field', (_, text) => {
    let error: unknown;
    try {
      decodeCursor(text, 'after');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.errors).toEqual([{ field: 'after', message: 'cursor is not one this API returned' }]);
  });
});
