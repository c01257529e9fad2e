import { ErrorCode } from '../common/errors/error-code';
import { NotFoundError } from '../common/errors/not-found.error';

export class WebhookNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Webhook', id, ErrorCode.WebhookNotFound);
  }
}
