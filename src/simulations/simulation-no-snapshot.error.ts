import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class SimulationNoSnapshotError extends AppError {
  constructor(targetId: string) {
    super(ErrorCode.SimulationNoSnapshot, `Target ${targetId} has no completed analysis yet: run one first.`, { targetId });
  }
}
