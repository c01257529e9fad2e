import { AppError } from './app.error';
import { ErrorCode } from './error-code';

export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>" or "x-api-key: <key>".') {
    super(ErrorCode.Unauthenticated, message);
  }
}
