import { AppError, type FieldError } from './app.error';
import { ErrorCode } from './error-code';

export class ValidationError extends AppError {
  constructor(errors: FieldError[], message = 'The request has invalid fields.') {
    super(ErrorCode.ValidationFailed, message, { errors });
  }
}
