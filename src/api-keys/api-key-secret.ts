import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `sgd_<lookup id>_<secret>`: the lookup id (12 hex digits, stored in clear)
 * finds the row, the secret (256 random bits) is what proves possession. Only a SHA-256 of the
 * whole key is stored: with that much entropy a slow password hash adds nothing but latency.
 */
const KEY_PATTERN = /^sgd_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  key: string;
  lookupId: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const lookupId = randomBytes(6).toString('hex');
  const key = `sgd_${lookupId}_${randomBytes(32).toString('base64url')}`;
  return { key, lookupId, hash: hashApiKey(key) };
}

/** The key's SHA-256 in hex; one call, no Hash object (hashed on every authenticated request). */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Something shaped like a key anywhere in a text: what must not be logged or echoed. */
const KEY_INSIDE = /sgd_[0-9a-f]{12}_[A-Za-z0-9_-]/;

/** Whether `text` holds something shaped like an API key (a whole one or the start of one). */
export function holdsApiKey(text: string): boolean {
  return KEY_INSIDE.test(text);
}

/** The lookup id of a well-formed key, or undefined for anything else. */
export function lookupIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Constant-time comparison of a presented key with a stored SHA-256 hex digest. */
export function keyMatchesHash(key: string, storedHash: string): boolean {
  return hashesMatch(hashApiKey(key), storedHash);
}

/** Constant-time comparison of two SHA-256 hex digests (a presented key's, hashed once, and a stored one). */
export function hashesMatch(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The non-secret part shown in listings so people can tell keys apart. */
export function displayPrefix(lookupId: string): string {
  return `sgd_${lookupId}`;
}
