import { describe, expect, it } from 'vitest';
import { REDACTED_PATHS, redactUrlCredentials, redactUrlCredentialsDeep } from '../../../src/common/logging/redact';

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
    [`/v1/targets?externalId=${KEY}`, '/v1/targets?externalId=[REDACTED]'],
    [`/v1/targets?external_id=${KEY}&a=1`, '/v1/targets?external_id=[REDACTED]&a=1'],
    [`/v1/x?jwt=${KEY}`, '/v1/x?jwt=[REDACTED]'],
    [`/v1/x?bearer=${KEY}`, '/v1/x?bearer=[REDACTED]'],
    [
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261207%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261207T000000Z',
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=[REDACTED]&X-Amz-Date=20261207T000000Z',
    ],
    [
      'https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1796600000&Signature=abc%2Bdef',
      'https://b.s3.amazonaws.com/k?AWSAccessKeyId=[REDACTED]&Expires=1796600000&Signature=[REDACTED]',
    ],
    [`/v1/x?access_key_id=AKIAIOSFODNN7EXAMPLE&session=${KEY}`, '/v1/x?access_key_id=[REDACTED]&session=[REDACTED]'],
    [`/v1/x?client_secret=${KEY}&private_key=${KEY}`, '/v1/x?client_secret=[REDACTED]&private_key=[REDACTED]'],
  ])('%s', (input, expected) => {
    expect(redactUrlCredentials(input)).toBe(expected);
  });

  it('leaves ordinary query parameters alone', () => {
    const url = '/v1/findings?targetId=0b8f4f6e-2a1c-4d3e-9f00-1234567890ab&keyword=x&monkey=1&q=token';
    expect(redactUrlCredentials(url)).toBe(url);
  });

  it('names the fields of AWS credentials, external ids and integration tokens among those never logged', () => {
    expect(REDACTED_PATHS).toEqual(
      expect.arrayContaining(['*.externalId', '*.apiToken', '*.secretAccessKey', '*.sessionToken', '*.credentials', '*.webhookUrl']),
    );
  });

  it('keeps the scheme and the user of a URL whatever precedes them, and redacts only its password', () => {
    expect(redactUrlCredentials('DATABASE_URL=1postgres://u:hunter2@db/x and redis://:pw@r:6379/0')).toBe(
      'DATABASE_URL=1postgres://u:[REDACTED]@db/x and redis://:[REDACTED]@r:6379/0',
    );
    expect(redactUrlCredentials('https://host/a:b@c')).toBe('https://host/a:b@c');
  });

  it('takes time in proportion to the text, however it is made (a long request path is redacted before any key is checked)', () => {
    const shapes = [
      'A'.repeat(64 * 1024),
      'a.'.repeat(32 * 1024),
      'a1'.repeat(32 * 1024),
      'a://b:'.repeat(11 * 1024),
      `a://b:${'c'.repeat(64 * 1024)}`,
      `?${'a-'.repeat(32 * 1024)}`,
    ];
    for (const text of shapes) {
      const started = performance.now();
      redactUrlCredentials(`/v1/${text}`);
      expect(performance.now() - started, `${text.slice(0, 12)}… (${text.length} characters)`).toBeLessThan(250);
    }
  });

  it('reaches strings inside log objects', () => {
    expect(redactUrlCredentialsDeep({ req: { url: `/v1/x?api_key=${KEY}` } })).toEqual({ req: { url: '/v1/x?api_key=[REDACTED]' } });
  });
});
