import { CodedError } from '../errors/coded-error';

/** A path question the engine cannot even ask: a source or destination that is no id or address, a bad protocol or port. */
export class PathQueryError extends CodedError<'PATH.INVALID_QUERY'> {
  constructor(
    /** The query member at fault: `from`, `to`, `protocol`, `port`, `sourcePort`. */
    readonly field: string,
    message: string,
  ) {
    super('PATH.INVALID_QUERY', message);
  }
}
