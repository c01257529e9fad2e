import { CodedError } from '../errors/coded-error';

/** Where a malformed flow-log line was read. */
export interface FlowLogLocation {
  file: string;
  line: number;
}

/**
 * A flow-log format or record that cannot be read: an unknown field name in a format, or (in strict
 * reading) a malformed line, then with the file and line number it came from.
 */
export class FlowLogFormatError extends CodedError<'FLOW_LOG.FORMAT'> {
  constructor(
    message: string,
    readonly location?: FlowLogLocation,
  ) {
    super('FLOW_LOG.FORMAT', location ? `${location.file}:${location.line}: ${message}` : message);
  }
}
