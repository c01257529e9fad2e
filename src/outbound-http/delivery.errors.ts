import { CodedError } from '../engine/errors/coded-error';

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

/** `retryable`: whether trying again later could succeed (a refused destination never will). */
export abstract class DeliveryError extends CodedError<DeliveryErrorCode> {
  protected constructor(code: DeliveryErrorCode, retryable: boolean, message: string, options?: { cause?: unknown }) {
    super(code, message, { retryable, cause: options?.cause });
  }
}

export class InvalidDeliveryUrlError extends DeliveryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DELIVERY.INVALID_URL', false, message, options);
  }
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
  constructor(
    readonly reason: SsrfBlockReason,
    readonly host: string,
    readonly address: string | null,
  ) {
    super(
      'DELIVERY.SSRF_BLOCKED',
      false,
      address === null ? `Destination ${host} refused: ${reason}` : `Destination ${host} refused: ${address} is ${reason}`,
    );
  }
}

export class DnsResolutionError extends DeliveryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DELIVERY.DNS_FAILED', true, message, options);
  }
}

/** `resolve`: the destination's name, checked before any request (see SafeHttpClient.check). */
export type TimeoutPhase = 'resolve' | 'connect' | 'headers' | 'body' | 'total';

const TIMEOUT_WHAT: Readonly<Record<TimeoutPhase, string>> = {
  resolve: 'answer from DNS',
  connect: 'connect',
  headers: 'headers',
  body: 'body',
  total: 'complete response',
};

export class DeliveryTimeoutError extends DeliveryError {
  constructor(
    readonly phase: TimeoutPhase,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super('DELIVERY.TIMEOUT', true, `No ${TIMEOUT_WHAT[phase]} within ${timeoutMs} ms`, options);
  }
}

/** Retryable: the receiver answered; a huge answer is its problem, not a reason to stop delivering. */
export class ResponseTooLargeError extends DeliveryError {
  constructor(
    readonly limitBytes: number,
    readonly status: number,
  ) {
    super('DELIVERY.RESPONSE_TOO_LARGE', true, `Response body exceeds ${limitBytes} bytes (status ${status})`);
  }
}

export class DeliveryConnectionError extends DeliveryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DELIVERY.CONNECTION_FAILED', true, message, options);
  }
}
