import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class ReportRunNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Report run', id, ErrorCode.ReportRunNotFound);
  }
}
