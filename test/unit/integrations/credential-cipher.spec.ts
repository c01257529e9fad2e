import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialCipher, parseEncryptionKey } from '../../../src/outbound-http/credential-cipher';
import { IntegrationError } from '../../../src/outbound-http/integration.errors';

const key = randomBytes(32);
const cipher = new CredentialCipher(key);
const secret = 'ATATT3xFfGF0-jira-api-token';

function flip(envelope: string, part: number): string {
  const parts = envelope.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

describe('CredentialCipher (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time', () => {
    const a = cipher.encrypt(secret);
    const b = cipher.encrypt(secret);
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(cipher.decrypt(a)).toBe(secret);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé 🔑'))).toBe('ünïcødé 🔑');
  });

  it.each([
    ['the IV', 1],
    ['the tag', 2],
    ['the ciphertext', 3],
  ])('detects a change to %s', (_name, part) => {
    const tampered = flip(cipher.encrypt(secret), part);
    expect(() => cipher.decrypt(tampered)).toThrow(/cannot be decrypted/);
  });

  it('fails clearly with the wrong key, and never echoes the plaintext', () => {
    const envelope = cipher.encrypt(secret);
    let error: unknown;
    try {
      new CredentialCipher(randomBytes(32)).decrypt(envelope);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntegrationError);
    expect((error as IntegrationError).code).toBe('INTEGRATION.DECRYPT_FAILED');
    expect(String((error as Error).message)).not.toContain(secret);
  });

  it('binds a value to its associated data', () => {
    const envelope = cipher.encrypt(secret, 'subscription:1');
    expect(cipher.decrypt(envelope, 'subscription:1')).toBe(secret);
    expect(() => cipher.decrypt(envelope, 'subscription:2')).toThrow(/cannot be decrypted/);
    expect(() => cipher.decrypt(envelope)).toThrow(/cannot be decrypted/);
  });

  it('rejects envelopes of unknown format or version', () => {
    const [, iv, tag, ct] = cipher.encrypt(secret).split(':');
    expect(() => cipher.decrypt(`v2:${iv}:${tag}:${ct}`)).toThrow(/unknown format/);
    expect(() => cipher.decrypt('plaintext-token')).toThrow(/unknown format/);
    expect(() => cipher.decrypt(`v1:${iv}:${tag}`)).toThrow(/unknown format/);
  });

  it('accepts keys as hex or base64 and refuses other lengths', () => {
    expect(parseEncryptionKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('base64url')).equals(key)).toBe(true);
    const fromText = new CredentialCipher(key.toString('base64'));
    expect(fromText.decrypt(cipher.encrypt(secret))).toBe(secret);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseEncryptionKey('not a key!')).toThrow(/32 bytes/);
    expect(() => new CredentialCipher(randomBytes(31))).toThrow(/32 bytes/);
  });
});
