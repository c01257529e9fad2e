import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signing. The signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}`; the key is the base64-decoded part of a
 * `whsec_` secret; the signature header lists `v1,<base64>` entries separated by spaces.
 */
export const SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export type VerifyFailure = 'missing-headers' | 'invalid-timestamp' | 'timestamp-too-old' | 'timestamp-too-new' | 'no-matching-signature';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

/** A new random secret: 32 bytes, `whsec_` + base64. */
export function generateSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key of a secret. A secret without the prefix is taken as base64 too. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new Error('Webhook secret is not base64 after the whsec_ prefix');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64) {
    throw new Error('Webhook secret must decode to 24–64 bytes');
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  return `v1,${hmac(decodeSecret(secret), id, timestampSeconds, body).toString('base64')}`;
}

/**
 * The three headers for one delivery attempt. `id` is the event's id, unchanged across retries
 * so receivers can deduplicate; the timestamp is the attempt's own.
 */
export function buildSignatureHeaders(secret: string, id: string, body: string | Buffer, now: Date): StandardWebhookHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, id, timestamp, body),
  };
}

/**
 * Receiver-side check, as the specification describes it: any one of the space-separated
 * `v1` signatures may match (secret rotation), comparisons are constant-time, and the
 * timestamp must be within `toleranceSeconds` of now in either direction (replays).
 */
export function verify(
  secret: string,
  headers: Partial<Record<string, string | string[] | undefined>>,
  body: string | Buffer,
  options: { now: Date; toleranceSeconds?: number },
): VerifyResult {
  const id = single(headers['webhook-id']);
  const timestampText = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing-headers' };
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'invalid-timestamp' };

  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (timestamp < nowSeconds - tolerance) return { ok: false, reason: 'timestamp-too-old' };
  if (timestamp > nowSeconds + tolerance) return { ok: false, reason: 'timestamp-too-new' };

  const expected = hmac(decodeSecret(secret), id, timestamp, body);
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const candidate = Buffer.from(value, 'base64');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no-matching-signature' };
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
