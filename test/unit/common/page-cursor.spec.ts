import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../../src/common/errors/validation.error';
import { decodeCursor, encodeCursor } from '../../../src/common/http/page-cursor';

describe('page cursors', () => {
  it('decode what they encode, for any sort key and id', () => {
    fc.assert(
      fc.property(fc.string(), fc.uuid(), (k, id) => {
        const text = encodeCursor({ k, id });
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decodeCursor(text)).toEqual({ k, id });
      }),
    );
  });

  it('keep only the sort key and the id', () => {
    const text = Buffer.from(
      JSON.stringify({ k: '2026-11-24T00:00:00.000Z', id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab', extra: 'x' }),
    ).toString('base64url');
    expect(decodeCursor(text)).toEqual({ k: '2026-11-24T00:00:00.000Z', id: '0b8f4f6e-2a1c-4d3e-9f00-1234567890ab' });
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON that is not an object', Buffer.from('42').toString('base64url')],
    ['a missing id', Buffer.from(JSON.stringify({ k: '1' })).toString('base64url')],
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
