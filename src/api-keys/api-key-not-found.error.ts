import { NotFoundError } from '../common/errors/not-found.error';
import { ErrorCode } from '../common/errors/error-code';

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('API key', id, ErrorCode.ApiKeyNotFound);
  }
}
