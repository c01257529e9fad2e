import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class AnalysisInvalidStateError extends AppError {
  constructor(id: string, status: string, action: string) {
    super(ErrorCode.AnalysisInvalidState, `Analysis ${id} is ${status}: it cannot be ${action}.`, { id, state: status });
  }
}
