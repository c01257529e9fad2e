import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class ReportScheduleNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Report schedule', id, ErrorCode.ReportScheduleNotFound);
  }
}
