import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import type { IntegrationsConfig } from '../config/app-config';
import { CredentialCipher } from './credential-cipher';

/**
 * Encrypts webhook secrets and integration credentials with the configured key, each bound to
 * the row that owns it. Without a key nothing secret can be stored, and saying so is better
 * than storing it in clear.
 */
@Injectable()
export class SecretBoxService {
  private readonly cipher: CredentialCipher | null;

  constructor(config: ConfigService) {
    const key = config.get<IntegrationsConfig>('integrations', { infer: true })!.encryptionKey;
    this.cipher = key ? new CredentialCipher(key) : null;
  }

  encrypt(plaintext: string, ownerId: string): string {
    return this.require().encrypt(plaintext, ownerId);
  }

  decrypt(envelope: string, ownerId: string): string {
    return this.require().decrypt(envelope, ownerId);
  }

  private require(): CredentialCipher {
    if (!this.cipher) {
      throw new AppError(
        ErrorCode.EncryptionKeyMissing,
        'Set SGDOCTOR_ENCRYPTION_KEY (32 bytes, hex or base64) to store webhook secrets and credentials.',
      );
    }
    return this.cipher;
  }
}
