import { AppError } from './app.error';
import { ErrorCode } from './error-code';

/** An HTTP/1.1 request without a Host header: a 400, as RFC 9112 §3.2 requires of a server. */
export class MissingHostError extends AppError {
  constructor() {
    super(ErrorCode.BadRequest, 'An HTTP/1.1 request must carry a Host header.');
  }
}
