import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookDeliveryAttemptEntity } from '../webhook-delivery-attempt.entity';

export class WebhookDeliveryAttemptDto {
  @ApiProperty()
  attempt!: number;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  durationMs!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
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
