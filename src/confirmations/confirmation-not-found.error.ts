import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class ConfirmationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Confirmation', id, ErrorCode.ConfirmationNotFound);
  }
}
