import { CodedError } from '../engine/errors/coded-error';

/** A snapshot file that cannot be read or is not JSON: the target must be fixed, retrying will not help. */
export class SnapshotFileError extends CodedError<'SNAPSHOT.UNREADABLE'> {
  constructor(message: string) {
    super('SNAPSHOT.UNREADABLE', message);
  }
}
