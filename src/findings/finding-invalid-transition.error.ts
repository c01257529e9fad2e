import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class FindingInvalidTransitionError extends AppError {
  constructor(id: string, from: string, to: string) {
    super(ErrorCode.FindingInvalidTransition, `Finding ${id} cannot go from ${from} to ${to}.`, { id, from, to });
  }
}
