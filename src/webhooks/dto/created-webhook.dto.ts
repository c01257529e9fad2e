import { ApiPropertyOptional } from '@nestjs/swagger';
import { WebhookDto } from './webhook.dto';

export class CreatedWebhookDto extends WebhookDto {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Standard format only: the signing secret, shown this once.',
  })
  secret?: string;
}
