import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/openapi/canonical-json';
import { jsonDifferences } from '../../../src/openapi/json-differences';

describe('canonicalJson', () => {
  it('sorts the keys of every object, keeps array order, indents by two and ends with a newline', () => {
    const text = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } });
    expect(text).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('writes the same text whatever order the keys were built in', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });
});

describe('jsonDifferences', () => {
  it('finds nothing in equal values', () => {
    expect(jsonDifferences({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toEqual([]);
  });

  it('names the path of every member only one side has and of every changed value', () => {
    const committed = { paths: { '/v1/a': { get: { summary: 'old', tags: ['a'] } }, '/v1/gone': {} } };
    const code = { paths: { '/v1/a': { get: { summary: 'new', tags: ['a', 'b'] } }, '/v1/new': {} } };
    expect(jsonDifferences(committed, code)).toEqual([
      'paths./v1/a.get.summary: committed "old", code "new"',
      'paths./v1/a.get.tags[1]: only in the code',
      'paths./v1/gone: only in the committed document',
      'paths./v1/new: only in the code',
    ]);
  });

  it('reports a change of type at the path where it happens', () => {
    expect(jsonDifferences({ a: { b: 1 } }, { a: [1] })).toEqual(['a: committed {"b":1}, code [1]']);
  });
});
