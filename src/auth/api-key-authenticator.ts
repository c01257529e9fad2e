import type { Principal } from './principal';

/**
 * What the guard asks of the key store: the principal a presented key stands for, or undefined
 * when it is unknown or revoked. The API-keys module provides it, so authentication depends on
 * this port and key management on auth's decorators, never both ways.
 */
export abstract class ApiKeyAuthenticator {
  abstract authenticate(presented: string): Promise<Principal | undefined>;
  /**
   * The principal of a key this process authenticated moments ago (and saw no revocation of
   * since), answered without a lookup; undefined otherwise.
   */
  abstract recentlyAuthenticated(presented: string): Principal | undefined;
  /** Forgets a key this process may remember: it was revoked (by another process). */
  abstract forget(keyId: string): void;
  /** Calls `listener` with the id of each key this process revokes, before the revocation is answered. */
  abstract onRevoked(listener: (keyId: string) => Promise<void>): void;
}
