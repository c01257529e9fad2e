import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

/** Reachability Analyzer cannot be asked this path (not TCP/UDP, IPv6, no source interface, a finding without peers). */
export class ConfirmationUnsupportedError extends AppError {
  constructor(reason: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.ConfirmationUnsupported, `Reachability Analyzer cannot confirm this path: ${reason}.`, details);
  }
}
