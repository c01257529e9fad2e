/**
 * Typed failures of outbound HTTP delivery. Each carries a stable `code` so the delivery log and
 * the API can report why an attempt failed without parsing messages, and `retryable` so the
 * delivery policy can tell a transient network problem from a refused destination.
 */
export type DeliveryErrorCode =
  | 'DELIVERY.INVALID_URL'
  | 'DELIVERY.SSRF_BLOCKED'
  | 'DELIVERY.DNS_FAILED'
  | 'DELIVERY.TIMEOUT'
  | 'DELIVERY.RESPONSE_TOO_LARGE'
  | 'DELIVERY.CONNECTION_FAILED';

export abstract class DeliveryError extends Error {
  abstract readonly code: DeliveryErrorCode;
  /** Whether trying again later could succeed (a refused destination never will). */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidDeliveryUrlError extends DeliveryError {
  readonly code = 'DELIVERY.INVALID_URL';
  readonly retryable = false;
}

/** Why a destination was refused: the URL scheme, or the class of address it resolves to. */
export type SsrfBlockReason =
  | 'scheme-not-allowed'
  | 'credentials-in-url'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'carrier-grade-nat'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved'
  | 'special-purpose'
  | 'no-address';

export class SsrfBlockedError extends DeliveryError {
  readonly code = 'DELIVERY.SSRF_BLOCKED';
  readonly retryable = false;

  constructor(
    readonly reason: SsrfBlockReason,
    readonly host: string,
    readonly address: string | null,
  ) {
    super(
      address === null
        ? `Destination ${host} refused: ${reason}`
        : `Destination ${host} refused: ${address} is ${reason}`,
    );
  }
}

export class DnsResolutionError extends DeliveryError {
  readonly code = 'DELIVERY.DNS_FAILED';
  readonly retryable = true;
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'total';

export class DeliveryTimeoutError extends DeliveryError {
  readonly code = 'DELIVERY.TIMEOUT';
  readonly retryable = true;

  constructor(
    readonly phase: TimeoutPhase,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`No ${phase === 'total' ? 'complete response' : phase} within ${timeoutMs} ms`, options);
  }
}

export class ResponseTooLargeError extends DeliveryError {
  readonly code = 'DELIVERY.RESPONSE_TOO_LARGE';
  /** The receiver answered; a huge answer is its problem, not a reason to stop delivering. */
  readonly retryable = true;

  constructor(
    readonly limitBytes: number,
    readonly status: number,
  ) {
    super(`Response body exceeds ${limitBytes} bytes (status ${status})`);
  }
}

export class DeliveryConnectionError extends DeliveryError {
  readonly code = 'DELIVERY.CONNECTION_FAILED';
  readonly retryable = true;
}
