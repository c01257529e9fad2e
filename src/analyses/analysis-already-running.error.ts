import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class AnalysisAlreadyRunningError extends AppError {
  constructor(targetId: string, runningAnalysisId: string | null) {
    super(
      ErrorCode.AnalysisAlreadyRunning,
      `Target ${targetId} already has an analysis queued or running; cancel it or wait for it to finish.`,
      {
        targetId,
        runningAnalysisId,
      },
    );
  }
}
