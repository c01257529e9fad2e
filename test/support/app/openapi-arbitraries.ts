import fc from 'fast-check';
import {
  resolveSchema,
  type DocumentedOperation,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiParameter,
} from './openapi-operations';

/** What the fuzzer knows of the running app: ids it created and cursors the API handed out. */
export interface FuzzContext {
  document: OpenApiDocument;
  /** Every UUID seen in the seeding answers (targets, analyses, findings, webhooks, deliveries…). */
  ids: string[];
  /** nextCursor values of list operations, to replay on other lists and to tamper with. */
  cursors: string[];
}

/** One HTTP request, ready for supertest. */
export interface FuzzRequest {
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Short description for failure messages. */
  shape: string;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every UUID anywhere in a JSON value. */
export function uuidsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string' && UUID_PATTERN.test(value)) into.add(value);
  else if (Array.isArray(value)) for (const item of value) uuidsIn(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) uuidsIn(item, into);
  return into;
}

/** Strings a careless parser, a database or a template chokes on. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '-1',
  '0',
  '-0',
  '1.5',
  '1e309',
  '-1e309',
  '9'.repeat(400),
  '-9223372036854775809',
  '18446744073709551616',
  'NaN',
  'Infinity',
  '0x1F',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'flows/../../..',
  'a\u0000b',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil',
  '\ufeff',
  '😀'.repeat(64),
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  'ǅǈǋ',
  "' OR '1'='1' --",
  '"; DROP TABLE finding; --',
  '$1',
  '%s%s%s%n',
  '${jndi:ldap://127.0.0.1:9/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'a'.repeat(5_000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '{00000000-0000-4000-8000-000000000000}',
  'urn:uuid:00000000-0000-4000-8000-000000000000',
  '00000000000040008000000000000000',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '------------------------------------',
  '2026-13-45T99:00:00.000Z',
  '0000-00-00T00:00:00Z',
  '275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-11-24',
  'sg-',
  'eni-' + 'f'.repeat(200),
  'i-0000000000000000',
  '0.0.0.0/0',
  '::/0',
  '10.0.0.0/33',
  '::ffff:127.0.0.1',
  '256.256.256.256',
  'fe80::1%eth0',
  '* * * * * * *',
  '0 0 31 2 *',
  '@reboot',
  'Mars/Olympus_Mons',
  'arn:aws:iam::111122223333:role/../../x',
  's3://',
  'https://',
  'http://[::1]:9/',
  'javascript:alert(1)',
];

const SPECIAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);
const BLOCKED_HOST = '127.0.0.1:9';

/**
 * The string with any host it names replaced by 127.0.0.1:9 (a loopback port nothing listens on,
 * refused by the SSRF guard besides), so no generated URL reaches, or even resolves, a real host.
 */
export function confined(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!SPECIAL_SCHEMES.has(url.protocol) || !url.host) return text;
  url.host = BLOCKED_HOST;
  return url.href;
}

/** A JSON value with every string confined (keys included). */
export function confine(value: unknown): unknown {
  if (typeof value === 'string') return confined(value);
  if (Array.isArray(value)) return value.map(confine);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) define(out, confined(key), confine(item));
    return out;
  }
  return value;
}

/** Sets an own, enumerable property, even one named __proto__ (which plain assignment would not). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** An object that spells prototype pollution as JSON would carry it. */
function pollution(): Record<string, unknown> {
  return JSON.parse('{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}}') as Record<
    string,
    unknown
  >;
}

function nested(depth: number, array: boolean): unknown {
  let value: unknown = array ? [] : {};
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
}

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 32 }) },
);

/** A value of any type a field should not accept: wrong types, extremes, pollution, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      -1,
      0,
      -0.5,
      1.5,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 53 + 2,
      -(2 ** 63),
      1e308,
      -1e308,
      5e-324,
      65536,
      -65536,
      true,
      false,
      null,
      [],
      {},
      [null],
      [[]],
      [''],
    ),
  },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constant(null).map(() => pollution()) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 1_500 }), fc.boolean()).map(([depth, array]) => nested(depth, array)) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 300 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A value the schema describes (within its bounds), to get past validation into the handlers. */
export function validValue(context: FuzzContext, raw: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveSchema(context.document, raw);
  const base = validNonNull(context, schema, depth);
  return schema.nullable ? fc.option(base, { nil: null, freq: 6 }) : base;
}

function validNonNull(context: FuzzContext, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.oneOf?.length || schema.anyOf?.length) {
    return fc.oneof(...(schema.oneOf ?? schema.anyOf ?? []).map((s) => validValue(context, s, depth + 1)));
  }
  if (schema.allOf?.length) return validValue(context, Object.assign({}, ...schema.allOf) as JsonSchema, depth + 1);
  switch (schema.type) {
    case 'string':
      return stringFor(context, schema);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1_000_000;
      const max = schema.maximum ?? 1_000_000;
      const integer = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
      // Nest documents integer fields as `number`: mostly integers, to get past validation.
      return schema.type === 'integer'
        ? integer
        : fc.oneof({ weight: 8, arbitrary: integer }, { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 6 || !schema.items) return fc.constant([]);
      return fc.array(validValue(context, schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    }
    case 'object':
    case undefined: {
      if (!schema.properties)
        return depth > 6 ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      if (depth > 6) return fc.constant({});
      // Optional members mostly left out: each one drawn at random is one more chance of a 400.
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(schema.properties)) {
        if (property.readOnly) continue;
        const value = validValue(context, property, depth + 1);
        model[name] = required.has(name)
          ? value
          : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
      }
      return fc.record(model).map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));
    }
  }
}

function stringFor(context: FuzzContext, schema: JsonSchema): fc.Arbitrary<string> {
  const maxLength = schema.maxLength ?? 64;
  const minLength = schema.minLength ?? 0;
  if (schema.format === 'uuid') {
    return context.ids.length
      ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...context.ids) }, { weight: 1, arbitrary: fc.uuid() })
      : fc.uuid();
  }
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  const options: Array<fc.WeightedArbitrary<string>> = [
    { weight: 1, arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, 64) }) },
  ];
  // The document's example is the likeliest value to pass the field's own checks.
  if (typeof schema.example === 'string') options.push({ weight: 6, arbitrary: fc.constant(schema.example) });
  if (typeof schema.default === 'string') options.push({ weight: 2, arbitrary: fc.constant(schema.default) });
  return fc.oneof(...options);
}

/** A valid-looking object with one or more fields made hostile, unknown fields or polluting keys added. */
function mutatedBody(context: FuzzContext, schema: JsonSchema): fc.Arbitrary<unknown> {
  const names = Object.keys(schema.properties ?? {});
  const field = names.length ? fc.constantFrom(...names) : fc.constant('name');
  return fc
    .tuple(
      validValue(context, schema),
      fc.array(
        fc.tuple(
          fc.oneof(field, fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknownField', 'id', 'createdAt')),
          hostileValue,
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    )
    .map(([valid, replacements]) => {
      const out: Record<string, unknown> = valid && typeof valid === 'object' && !Array.isArray(valid) ? { ...valid } : {};
      for (const [name, value] of replacements) define(out, name, value);
      return out;
    });
}

/** A JSON body: the value inside, serialized (with strings confined), or raw text. */
type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; contentType: string | undefined; text: string };

const RAW_BODIES: ReadonlyArray<[string | undefined, string]> = [
  ['application/json', '{"name":'],
  ['application/json', ''],
  ['application/json', '\ufeff{}'],
  ['application/json', 'null'],
  ['application/json', '"just a string"'],
  ['application/json', '123'],
  ['application/json', '[{"__proto__":{"polluted":"yes"}}]'],
  ['application/json', '{"a":1,"a":2}'],
  ['application/json', `{"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`],
  ['application/json; charset=utf-16', '{}'],
  ['application/json; charset=latin1', '{"name":"\u00e9"}'],
  ['text/plain', '{"name":"x"}'],
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', 'name=x&scopes=read&__proto__[polluted]=yes&constructor[prototype][polluted]=yes'],
  ['application/x-www-form-urlencoded', 'a=%E0%A4%A&b'],
  ['application/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'],
  ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--xyz--\r\n'],
  ['application/octet-stream', '\u0000\u0001\u0002'],
  ['application/problem+json', '{}'],
  ['application/vnd.api+json', '{}'],
  ['text/html', '<html></html>'],
  [undefined, '{"name":"x"}'],
  ['', '{}'],
  ['application/json, text/plain', '{}'],
];

function bodyArbitrary(context: FuzzContext, operation: DocumentedOperation, hostile: boolean): fc.Arbitrary<Body | undefined> {
  const raw = fc.constantFrom(...RAW_BODIES).map(([contentType, text]): Body => ({ kind: 'raw', contentType, text }));
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): Body => ({ kind: 'json', value: v }));
  if (!hostile) return operation.body ? json(validValue(context, operation.body)) : fc.constant(undefined);
  if (!operation.body) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: json(hostileValue) },
      { weight: 1, arbitrary: raw },
    );
  }
  return fc.oneof(
    { weight: 5, arbitrary: json(mutatedBody(context, operation.body)) },
    { weight: 1, arbitrary: json(hostileValue) },
    { weight: 1, arbitrary: raw },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A page cursor: one the API handed out (maybe of another list), tampered with, or forged. */
function cursorArbitrary(context: FuzzContext): fc.Arbitrary<string> {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8').toString('base64url');
  const forged = fc.oneof(
    fc.record({ k: hostileValue, id: fc.oneof(fc.uuid(), hostileString) }).map(encode),
    fc.record({ k: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), id: fc.uuid() }).map(encode),
    hostileValue.map(encode),
    fc.constant(null).map(() => encode(pollution())),
    fc.base64String({ maxLength: 200 }),
    hostileString,
    fc.constant('A'.repeat(4_000)),
  );
  if (!context.cursors.length) return forged;
  const real = fc.constantFrom(...context.cursors);
  const tampered = fc.tuple(real, fc.nat(), fc.constantFrom('A', '_', '-', '=', '%', '.', '')).map(([cursor, at, c]) => {
    const i = at % (cursor.length + 1);
    return cursor.slice(0, i) + c + cursor.slice(i + 1);
  });
  return fc.oneof({ weight: 2, arbitrary: real }, { weight: 2, arbitrary: tampered }, { weight: 3, arbitrary: forged });
}

function queryValue(context: FuzzContext, parameter: OpenApiParameter, hostile: boolean): fc.Arbitrary<string[]> {
  const schema = parameter.schema ?? { type: 'string' };
  const valid = validValue(context, schema).map((value) => [Array.isArray(value) ? value.join(',') : String(value)]);
  if (parameter.name === 'cursor') {
    return hostile || !context.cursors.length
      ? cursorArbitrary(context).map((c) => [c])
      : fc.constantFrom(...context.cursors).map((c) => [c]);
  }
  if (!hostile) return valid;
  const repeated =
    schema.type === 'array' && schema.items
      ? fc.array(validValue(context, schema.items).map(String), { minLength: 2, maxLength: 4 })
      : valid;
  const wrong = hostileValue.map((value) => [typeof value === 'string' ? value : (JSON.stringify(value)?.slice(0, 2_000) ?? '')]);
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: repeated }, { weight: 3, arbitrary: wrong });
}

const BAD_PATH_IDS: readonly string[] = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-4000-8000-00000000000',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000000040008000000000000000',
  'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
  '..',
  '.',
  '%00',
  '\u0000',
  '😀',
  '__proto__',
  'constructor',
  'dead-letters',
  ' 00000000-0000-4000-8000-000000000000',
  'a'.repeat(300),
  '-1',
  '1',
  'null',
  "1' OR '1'='1",
];

function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate: send its UTF-8 bytes as they would arrive from a sloppy client.
    return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

const ACCEPTS = ['application/json', 'text/html', 'text/csv', '*/*', 'application/xml', 'application/problem+json', ''];

/**
 * Requests for one operation, derived from the document: half of them well formed throughout (to
 * reach the handlers with the ids and cursors of the seeded data), half with hostile path
 * parameters, query strings and bodies.
 */
export function requestArbitrary(context: FuzzContext, operation: DocumentedOperation, apiKey: string): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(requestsOf(context, operation, apiKey, false), requestsOf(context, operation, apiKey, true));
}

function requestsOf(context: FuzzContext, operation: DocumentedOperation, apiKey: string, hostile: boolean): fc.Arbitrary<FuzzRequest> {
  const known = context.ids.length ? fc.constantFrom(...context.ids) : fc.uuid();
  const idArbitrary = !hostile
    ? fc.oneof({ weight: 8, arbitrary: known }, { weight: 1, arbitrary: fc.uuid() })
    : fc.oneof(
        ...(context.ids.length ? [{ weight: 6, arbitrary: fc.constantFrom(...context.ids) }] : []),
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase()) },
        { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...BAD_PATH_IDS), hostileString) },
      );
  const pathValues = fc.record(
    Object.fromEntries(operation.pathParameters.map((p) => [p.name, idArbitrary])) as Record<string, fc.Arbitrary<string>>,
  );
  const query = fc.record(
    Object.fromEntries(operation.queryParameters.map((p) => [p.name, queryValue(context, p, hostile)])) as Record<
      string,
      fc.Arbitrary<string[]>
    >,
    { requiredKeys: [] },
  );
  const extraQuery = !hostile
    ? fc.constant(undefined)
    : fc.option(
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom('unknown', '__proto__', 'constructor[prototype][x]', '__proto__[polluted]', 'limit', 'cursor', ''),
              hostileString,
            ),
            hostileString,
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        { nil: undefined, freq: 2 },
      );
  return fc
    .tuple(pathValues, query, extraQuery, bodyArbitrary(context, operation, hostile), fc.constantFrom(...ACCEPTS))
    .map(([values, params, extra, body, accept]) => {
      const path = operation.template.replace(/\{(\w+)\}/g, (_m, name: string) => percentEncode(confined(values[name] ?? '')));
      const pairs: Array<[string, string]> = [];
      for (const [name, list] of Object.entries(params)) for (const value of list ?? []) pairs.push([name, value]);
      for (const pair of extra ?? []) pairs.push(pair);
      const search = pairs.map(([name, value]) => `${percentEncode(confined(name))}=${percentEncode(confined(value))}`).join('&');
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
      if (accept) headers.accept = accept;
      let text: string | undefined;
      let shape = hostile ? 'hostile, no body' : 'well formed, no body';
      if (body?.kind === 'json') {
        text = JSON.stringify(confine(body.value)) ?? 'null';
        headers['content-type'] = 'application/json';
        shape = hostile ? 'hostile json body' : 'well-formed json body';
      } else if (body?.kind === 'raw') {
        text = body.text;
        if (body.contentType !== undefined) headers['content-type'] = body.contentType;
        shape = `raw ${body.contentType ?? '(no content-type)'} body`;
      }
      return { path: search ? `${path}?${search}` : path, headers, body: text, shape };
    });
}
