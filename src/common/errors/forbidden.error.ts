import { AppError } from './app.error';
import { ErrorCode } from './error-code';

export class ForbiddenError extends AppError {
  constructor(requiredScope: string) {
    super(ErrorCode.Forbidden, `This API key lacks the "${requiredScope}" scope.`, { requiredScope });
  }
}
