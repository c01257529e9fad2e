import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class FindingNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Finding', id, ErrorCode.FindingNotFound);
  }
}
