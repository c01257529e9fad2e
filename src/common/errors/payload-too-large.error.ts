import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/** A request body over HTTP_BODY_LIMIT_BYTES: nothing past the limit is read. */
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(ErrorCode.PayloadTooLarge, `The request body is larger than ${limitBytes} bytes, the most the API reads.`);
  }
}
