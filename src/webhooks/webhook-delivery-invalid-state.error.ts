import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';

export class WebhookDeliveryInvalidStateError extends AppError {
  constructor(id: string, status: string, action: string) {
    super(ErrorCode.WebhookDeliveryInvalidState, `Delivery ${id} is ${status} and cannot be ${action}.`, { id, state: status });
  }
}
