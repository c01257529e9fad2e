import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class TargetNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Target', id, ErrorCode.TargetNotFound);
  }
}
