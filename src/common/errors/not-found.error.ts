import { AppError } from './app.error';
import { ErrorCode } from './error-code';

export class NotFoundError extends AppError {
  constructor(resource: string, id: string, code: ErrorCode = ErrorCode.NotFound) {
    super(code, `${resource} ${id} does not exist.`, { resource, id });
  }
}
