import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

/** An analysis that has not taken (or could not take) its snapshot of the network configuration. */
export class AnalysisSnapshotNotFoundError extends AppError {
  constructor(id: string) {
    super(ErrorCode.AnalysisSnapshotNotFound, `Analysis ${id} has no snapshot: it has not reached its snapshot stage, or failed there.`, {
      id,
    });
  }
}
