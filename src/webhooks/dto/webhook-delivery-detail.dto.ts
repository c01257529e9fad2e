import { ApiProperty } from '@nestjs/swagger';
import { WebhookDeliveryAttemptDto } from './webhook-delivery-attempt.dto';
import { WebhookDeliveryDto } from './webhook-delivery.dto';

/** A delivery with its body as sent and every attempt. */
export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ description: 'The exact body sent on every attempt.' })
  payload!: string;

  @ApiProperty({ type: [WebhookDeliveryAttemptDto] })
  attemptLog!: WebhookDeliveryAttemptDto[];
}
