import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookDeliveryEntity } from '../webhook-delivery.entity';

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiPropertyOptional({ nullable: true, description: 'The domain event; null for test pings.' })
  eventId!: string | null;

  @ApiProperty({ description: 'The webhook-id header: the same on every attempt.' })
  messageId!: string;

  @ApiProperty()
  eventType!: string;

  @ApiProperty({ enum: ['pending', 'succeeded', 'failed', 'dead', 'skipped'] })
  status!: string;

  @ApiProperty({ description: 'Attempts made so far.' })
  attempts!: number;

  @ApiPropertyOptional({ nullable: true })
  lastStatusCode!: number | null;

  @ApiPropertyOptional({ nullable: true })
  lastDurationMs!: number | null;

  @ApiPropertyOptional({ nullable: true })
  lastError!: string | null;

  @ApiPropertyOptional({ nullable: true })
  lastAttemptAt!: string | null;

  @ApiPropertyOptional({ nullable: true })
  nextAttemptAt!: string | null;

  @ApiPropertyOptional({ nullable: true })
  deliveredAt!: string | null;

  @ApiPropertyOptional({ nullable: true })
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
