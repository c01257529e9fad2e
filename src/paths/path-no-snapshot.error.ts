import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class PathNoSnapshotError extends AppError {
  constructor(targetId: string) {
    super(ErrorCode.PathNoSnapshot, `Target ${targetId} has no completed analysis yet: run one, or ask with "snapshot": "fresh".`, {
      targetId,
    });
  }
}
