import { CodedError } from '../errors/coded-error';

/**
 * A network snapshot that does not have the EC2 shapes the engine needs. `path` names the
 * offending member in the JSON (`SecurityGroups[3].IpPermissions[0].FromPort`); `part` is the
 * index of the input (file) it came from when several were merged.
 */
export class SnapshotValidationError extends CodedError<'SNAPSHOT.INVALID'> {
  constructor(
    readonly path: string,
    readonly detail: string,
    readonly part: number | null = null,
  ) {
    super('SNAPSHOT.INVALID', `${part === null ? '' : `snapshot part ${part + 1}: `}${path || '(root)'}: ${detail}`);
  }
}
