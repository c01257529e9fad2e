import { describe, expect, it } from 'vitest';
import { findHostileInput, MAX_OBJECT_PROPERTIES } from '../../../src/common/http/request-input.guard';

describe('findHostileInput', () => {
  it.each([
    ['a high surrogate at the end', { name: 'key\ud83d' }, 'name'],
    ['a high surrogate before another high one', { name: '\ud83d\ud83d\ude00' }, 'name'],
    ['a low surrogate at the start', { name: '\ude00key' }, 'name'],
    ['a pair in the wrong order', { tags: ['ok', '\ude00\ud83d'] }, 'tags[1]'],
    ['a lone surrogate in a key', { nested: { '\udfff': 1 } }, 'nested.\udfff'],
    ['a NUL', { name: 'a\u0000b' }, 'name'],
  ])('finds %s', (_case, input, field) => {
    expect(findHostileInput(input)).toMatchObject({ field });
  });

  it('finds an object with more properties than any object of the API takes, at the top or nested', () => {
    const wide = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
    expect(findHostileInput(wide(MAX_OBJECT_PROPERTIES + 1))).toMatchObject({
      field: 'body',
      message: expect.stringMatching(/257 properties/),
    });
    expect(findHostileInput({ changes: [{ params: wide(60_000) }] })).toMatchObject({ field: 'changes[0].params' });
    expect(findHostileInput({ changes: [{ params: wide(MAX_OBJECT_PROPERTIES) }] })).toBeNull();
    // Long lists are not limited here (their items are): class-transformer reads them in linear time.
    expect(findHostileInput({ ids: Array.from({ length: 10_000 }, (_, i) => i) })).toBeNull();
  });

  it.each([
    ['an emoji (a well-formed pair)', { name: 'key \ud83d\ude00' }],
    ['pairs back to back', { name: '\ud83d\ude00\ud83d\ude01' }],
    ['U+FFFD itself', { name: '\ufffd' }],
    ['text without surrogates', { name: 'Ünïcödé ☃' }],
  ])('accepts %s', (_case, input) => {
    expect(findHostileInput(input)).toBeNull();
  });
});
