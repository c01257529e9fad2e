/** What a coded error carries besides its code and message. */
export interface CodedErrorOptions<D extends object = Record<string, unknown>> {
  /**
   * Whether the same work, tried again later unchanged, may succeed (a timeout, an answer the
   * remote side marks transient). False by default: bad input stays bad. Whoever retries asks
   * `retryabilityOf` (src/common/errors/retryability.ts), which reads this flag.
   */
  retryable?: boolean;
  /** Facts for whoever reports the error (the problem+json filter spreads them into the answer). */
  details?: D;
  cause?: unknown;
}

/**
 * The one error model of sgdoctor: a stable dotted `code` (`AREA.REASON`), whether retrying may
 * help, and details. Engine, adapter and application errors all extend it, so a caller tells
 * them apart by `code` without knowing every family. Dependency-free, so the engine can use it.
 */
export class CodedError<C extends string = string, D extends object = Record<string, unknown>> extends Error {
  readonly code: C;
  readonly retryable: boolean;
  readonly details: D;

  constructor(code: C, message: string, options: CodedErrorOptions<D> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? ({} as D);
  }
}
