import { ApiProperty } from '@nestjs/swagger';
import { WebhookDto } from './webhook.dto';

export class EnabledWebhookDto extends WebhookDto {
  @ApiProperty({
    description:
      'Deliveries held while the subscription was disabled and now queued again, oldest event first, each with its original webhook-id and body. 0 when there were none or they were already resumed.',
  })
  resumedDeliveries!: number;
}
