import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildSignatureHeaders, decodeSecret, generateSecret, sign, verify } from '../../../src/webhooks/delivery/standard-webhooks';

/** Computed here independently of the module under test. */
function reference(secretBase64: string, id: string, ts: number, body: string): string {
  const key = Buffer.from(secretBase64, 'base64');
  return 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
}

const keyB64 = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const secret = `whsec_${keyB64}`;
const body = '{"type":"finding.opened","data":{"fingerprint":"3f6c1e0a9b2d4c7e"}}';
const id = 'evt_2Nq4c1C0yJ7m';
const ts = 1_700_000_000;
const now = new Date(ts * 1000);

describe('Standard Webhooks signing', () => {
  it('signs id.timestamp.body with the base64-decoded secret', () => {
    expect(sign(secret, id, ts, body)).toBe(reference(keyB64, id, ts, body));
  });

  it('produces the three headers with the attempt timestamp in seconds', () => {
    const headers = buildSignatureHeaders(secret, id, body, new Date(ts * 1000 + 999));
    expect(headers).toEqual({
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': reference(keyB64, id, ts, body),
    });
  });

  it('keeps the id and changes the signature between attempts', () => {
    const first = buildSignatureHeaders(secret, id, body, now);
    const retry = buildSignatureHeaders(secret, id, body, new Date((ts + 5) * 1000));
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeSecret(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it('refuses malformed or too short secrets', () => {
    expect(() => decodeSecret('whsec_not base64!')).toThrow(/base64/);
    expect(() => decodeSecret(`whsec_${Buffer.from('short').toString('base64')}`)).toThrow(/24–64/);
  });
});

describe('Standard Webhooks verification', () => {
  const headers = buildSignatureHeaders(secret, id, body, now);

  it('accepts a valid signature', () => {
    expect(verify(secret, headers, body, { now })).toEqual({ ok: true });
    expect(verify(secret, headers, Buffer.from(body), { now })).toEqual({ ok: true });
  });

  it('accepts when any of several space-separated signatures matches', () => {
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const multi = {
      ...headers,
      'webhook-signature': `v1,${randomBytes(32).toString('base64')} v2,zzz ${headers['webhook-signature']}`,
    };
    expect(verify(secret, multi, body, { now })).toEqual({ ok: true });
    expect(verify(other, multi, body, { now })).toEqual({ ok: false, reason: 'no-matching-signature' });
  });

  it.each([
    ['a changed body', { ...headers }, body.replace('opened', 'closed'), 'no-matching-signature'],
    ['a changed id', { ...headers, 'webhook-id': 'evt_other' }, body, 'no-matching-signature'],
    ['a changed timestamp', { ...headers, 'webhook-timestamp': String(ts + 1) }, body, 'no-matching-signature'],
    [
      'a truncated signature',
      { ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, 20) },
      body,
      'no-matching-signature',
    ],
    [
      'an unknown version only',
      { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') },
      body,
      'no-matching-signature',
    ],
    ['no signature header', { 'webhook-id': id, 'webhook-timestamp': String(ts) }, body, 'missing-headers'],
    ['a non-numeric timestamp', { ...headers, 'webhook-timestamp': '17e8' }, body, 'invalid-timestamp'],
  ])('rejects %s', (_name, h, b, reason) => {
    expect(verify(secret, h, b, { now })).toEqual({ ok: false, reason });
  });

  it('rejects a timestamp outside the five-minute tolerance either way', () => {
    expect(verify(secret, headers, body, { now: new Date((ts + 300) * 1000) })).toEqual({ ok: true });
    expect(verify(secret, headers, body, { now: new Date((ts + 301) * 1000) })).toEqual({ ok: false, reason: 'timestamp-too-old' });
    expect(verify(secret, headers, body, { now: new Date((ts - 301) * 1000) })).toEqual({ ok: false, reason: 'timestamp-too-new' });
  });
});
