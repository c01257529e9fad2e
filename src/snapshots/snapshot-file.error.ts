/** A snapshot file that cannot be read or is not JSON: the target must be fixed, retrying will not help. */
export class SnapshotFileError extends Error {
  readonly code = 'SNAPSHOT.UNREADABLE';

  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFileError';
  }
}
