import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrationError } from './integration.errors';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts integration credentials (API tokens, passwords, webhook secrets) at rest with
 * AES-256-GCM. Envelope: `v1:<iv>:<tag>:<ciphertext>`, each part base64url, so a stored value
 * says which scheme wrote it and a future key or algorithm can sit beside it. An optional
 * associated-data string (e.g. the owning row's id) binds a ciphertext to its row, so a value
 * copied to another row does not decrypt. Plaintext never appears in errors.
 */
export class CredentialCipher {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? parseEncryptionKey(key) : key;
    if (this.key.length !== 32) {
      throw new IntegrationError('INTEGRATION.INVALID_KEY', 'Encryption key must be 32 bytes');
    }
  }

  encrypt(plaintext: string, associatedData?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
  }

  decrypt(envelope: string, associatedData?: string): string {
    const parts = envelope.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new IntegrationError('INTEGRATION.DECRYPT_FAILED', 'Stored credential has an unknown format');
    }
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new IntegrationError('INTEGRATION.DECRYPT_FAILED', 'Stored credential has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new IntegrationError(
        'INTEGRATION.DECRYPT_FAILED',
        'Stored credential cannot be decrypted: wrong key, or the value was altered',
        {},
        { cause: error },
      );
    }
  }
}

/** A 32-byte key written as 64 hex digits or as base64 / base64url. */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new IntegrationError(
      'INTEGRATION.INVALID_KEY',
      'Encryption key must be 32 bytes, written as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
    );
  }
  return key;
}
