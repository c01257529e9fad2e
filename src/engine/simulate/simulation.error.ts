import { CodedError } from '../errors/coded-error';

/**
 * A change that EC2 would refuse, or that does not fit the snapshot. `code` follows the EC2 error
 * code where one exists (`NetworkAclEntryAlreadyExists`, `InvalidGroup.NotFound`, …).
 */
export class SimulationError extends CodedError {
  constructor(
    code: string,
    message: string,
    /** Index of the offending change in the list given. */
    readonly changeIndex: number | null = null,
  ) {
    super(code, changeIndex === null ? message : `change ${changeIndex + 1}: ${message}`);
  }
}
