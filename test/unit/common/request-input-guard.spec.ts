import { describe, expect, it } from 'vitest';
import { findHostileInput } from '../../../src/common/http/request-input.guard';

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

  it.each([
    ['an emoji (a well-formed pair)', { name: 'key \ud83d\ude00' }],
    ['pairs back to back', { name: '\ud83d\ude00\ud83d\ude01' }],
    ['U+FFFD itself', { name: '\ufffd' }],
    ['text without surrogates', { name: 'Ünïcödé ☃' }],
  ])('accepts %s', (_case, input) => {
    expect(findHostileInput(input)).toBeNull();
  });
});
