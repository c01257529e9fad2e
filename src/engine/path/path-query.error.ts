/** A path question the engine cannot even ask: a source or destination that is no id or address, a bad protocol or port. */
export class PathQueryError extends Error {
  constructor(
    /** The query member at fault: `from`, `to`, `protocol`, `port`, `sourcePort`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PathQueryError';
  }
}
