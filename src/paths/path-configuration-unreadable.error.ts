import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

/**
 * A fresh snapshot the target's configuration source could not give: a snapshot file that is not
 * one, EC2 refusing or unreachable, no credentials. The target must be fixed or AWS answer again;
 * the question itself was fine.
 */
export class PathConfigurationUnreadableError extends AppError {
  constructor(targetId: string, cause: unknown) {
    const reason = (cause as { code?: unknown })?.code;
    const name = (cause as { name?: string })?.name ?? 'Error';
    const message = cause instanceof Error ? cause.message : String(cause);
    super(
      ErrorCode.PathConfigurationUnreadable,
      `The configuration of target ${targetId} could not be read: ${name}: ${message}`,
      { targetId, reason: typeof reason === 'string' ? reason : name },
      { cause },
    );
  }
}
