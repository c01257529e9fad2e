import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class ReportNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Report', id, ErrorCode.ReportNotFound);
  }
}
