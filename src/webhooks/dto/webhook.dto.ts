import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookFilters } from '../webhook-filters';
import type { WebhookSubscriptionEntity } from '../webhook-subscription.entity';

/** A subscription as the API shows it: settings yes, secrets and credentials never. */
export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'The endpoint; for Slack only its origin (the full URL is a credential).' })
  url!: string;

  @ApiProperty({ type: [String] })
  events!: string[];

  @ApiProperty({ type: Object })
  filters!: WebhookFilters;

  @ApiProperty({ enum: ['standard', 'jira', 'servicenow', 'slack'] })
  format!: string;

  @ApiProperty()
  enabled!: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  disabledReason!: string | null;

  @ApiPropertyOptional({ type: Object, description: 'Jira or ServiceNow settings, without credentials.' })
  settings?: Record<string, unknown>;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static fromEntity(entity: WebhookSubscriptionEntity): WebhookDto {
    const settings = entity.settings.jira ?? entity.settings.servicenow;
    return Object.assign(new WebhookDto(), {
      id: entity.id,
      name: entity.name,
      url: entity.url,
      events: entity.events,
      filters: entity.filters,
      format: entity.format,
      enabled: entity.enabled,
      disabledAt: entity.disabledAt?.toISOString() ?? null,
      disabledReason: entity.disabledReason,
      ...(settings ? { settings: { ...settings } } : {}),
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    });
  }
}
