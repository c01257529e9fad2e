import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookDeliveryAttemptEntity } from '../webhook-delivery-attempt.entity';

export class WebhookDeliveryAttemptDto {
  @ApiProperty()
  attempt!: number;

  @ApiPropertyOptional({ nullable: true })
  statusCode!: number | null;

  @ApiPropertyOptional({ nullable: true })
  durationMs!: number | null;

  @ApiPropertyOptional({ nullable: true })
  error!: string | null;

  @ApiProperty()
  at!: string;

  static fromEntity(entity: WebhookDeliveryAttemptEntity): WebhookDeliveryAttemptDto {
    return Object.assign(new WebhookDeliveryAttemptDto(), {
      attempt: entity.attempt,
      statusCode: entity.statusCode,
      durationMs: entity.durationMs,
      error: entity.error,
      at: entity.at.toISOString(),
    });
  }
}
