import type { Principal } from './principal';

/**
 * What the guard asks of the key store: the principal a presented key stands for, or undefined
 * when it is unknown or revoked. The API-keys module provides it, so authentication depends on
 * this port and key management on auth's decorators, never both ways.
 */
export abstract class ApiKeyAuthenticator {
  abstract authenticate(presented: string): Promise<Principal | undefined>;
}
