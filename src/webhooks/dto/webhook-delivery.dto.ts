import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERY_STATUSES, type WebhookDeliveryEntity } from '../webhook-delivery.entity';

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The domain event; null for test pings.' })
  eventId!: string | null;

  @ApiProperty({ description: 'The webhook-id header: the same on every attempt.' })
  messageId!: string;

  @ApiProperty()
  eventType!: string;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description:
      'pending: queued or awaiting a retry; held: not sent while the subscription was disabled, sent when it is re-enabled; ' +
      'succeeded; failed: refused for good without retry; dead: the retry schedule ran out; skipped: nothing to do for this format.',
  })
  status!: string;

  @ApiProperty({ description: 'Attempts made so far.' })
  attempts!: number;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  lastDurationMs!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  lastError!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  lastAttemptAt!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  deliveredAt!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  deadAt!: string | null;

  @ApiProperty()
  createdAt!: string;

  static fromEntity(entity: WebhookDeliveryEntity): WebhookDeliveryDto {
    const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
    return Object.assign(new WebhookDeliveryDto(), {
      id: entity.id,
      subscriptionId: entity.subscriptionId,
      eventId: entity.eventId,
      messageId: entity.messageId,
      eventType: entity.eventType,
      status: entity.status,
      attempts: entity.attempts,
      lastStatusCode: entity.lastStatusCode,
      lastDurationMs: entity.lastDurationMs,
      lastError: entity.lastError,
      lastAttemptAt: iso(entity.lastAttemptAt),
      nextAttemptAt: entity.status === 'pending' ? iso(entity.nextAttemptAt) : null,
      deliveredAt: iso(entity.deliveredAt),
      deadAt: iso(entity.deadAt),
      createdAt: entity.createdAt.toISOString(),
    });
  }
}
