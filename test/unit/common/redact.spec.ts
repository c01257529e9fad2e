import { describe, expect, it } from 'vitest';
import { redactUrlCredentials, redactUrlCredentialsDeep } from '../../../src/common/logging/redact';

const KEY = 'sgd_3f9a0c12b4e7_0123456789abcdef0123456789abcdef';

describe('redacting credentials in logged text', () => {
  it.each([
    [`/v1/findings?api_key=${KEY}`, '/v1/findings?api_key=[REDACTED]'],
    [`/v1/findings?limit=5&apiKey=${KEY}&sort=severity`, '/v1/findings?limit=5&apiKey=[REDACTED]&sort=severity'],
    [`/v1/findings?x-api-key=${KEY}`, '/v1/findings?x-api-key=[REDACTED]'],
    [`/v1/targets?key=${KEY}#top`, '/v1/targets?key=[REDACTED]#top'],
    [`/v1/targets?access_token=${KEY}`, '/v1/targets?access_token=[REDACTED]'],
    [`/v1/targets?token=${KEY}&a=1`, '/v1/targets?token=[REDACTED]&a=1'],
    [`GET https://host/x?password=${KEY} failed`, 'GET https://host/x?password=[REDACTED] failed'],
    ['postgres://user:hunter2@db/sgdoctor', 'postgres://user:[REDACTED]@db/sgdoctor'],
  ])('%s', (input, expected) => {
    expect(redactUrlCredentials(input)).toBe(expected);
  });

  it('leaves ordinary query parameters alone', () => {
    const url = '/v1/findings?targetId=0b8f4f6e-2a1c-4d3e-9f00-1234567890ab&keyword=x&monkey=1&q=token';
    expect(redactUrlCredentials(url)).toBe(url);
  });

  it('reaches strings inside log objects', () => {
    expect(redactUrlCredentialsDeep({ req: { url: `/v1/x?api_key=${KEY}` } })).toEqual({ req: { url: '/v1/x?api_key=[REDACTED]' } });
  });
});
