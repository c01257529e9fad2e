import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class AnalysisNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Analysis', id, ErrorCode.AnalysisNotFound);
  }
}
