import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

/** A change EC2 would refuse, or that does not fit the snapshot (from the engine's SimulationError). */
export class SimulationInvalidChangeError extends AppError {
  constructor(message: string, ec2Code: string, changeIndex: number | null) {
    super(ErrorCode.SimulationInvalidChange, message, {
      ec2Code,
      changeIndex,
      errors: [{ field: changeIndex === null ? 'changes' : `changes[${changeIndex}]`, message }],
    });
  }
}
