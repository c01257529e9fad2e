import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

/** GetTableMetadata failed for a target's table (no such table, no permission, AWS unreachable). */
export class AthenaTableUnreadableError extends AppError {
  constructor(table: string, cause: unknown) {
    const name = (cause as { name?: string })?.name ?? 'Error';
    const message = cause instanceof Error ? cause.message : String(cause);
    super(
      ErrorCode.TargetTableUnreadable,
      // The cause names the call (athena:GetTableMetadata), the account and the region itself.
      `Cannot read the Athena table ${table}: ${name}: ${message}`,
      { table, awsError: name },
      { cause },
    );
  }
}
