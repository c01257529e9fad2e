import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookFilters } from '../webhook-filters';
import type { WebhookSubscriptionEntity } from '../webhook-subscription.entity';

/**
 * `https://hooks.example.com/in?token=abc&v=2#x` → `https://hooks.example.com/in?token=[REDACTED]&v=[REDACTED]#x`:
 * receivers take credentials in any parameter (`token`, `code`, `sig`, …), so every value goes.
 */
export function withQueryValuesHidden(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const fragment = url.indexOf('#', query);
  const end = fragment < 0 ? url.length : fragment;
  const hidden = url
    .slice(query + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      // A bare item (`?abcdef…`) may be the token itself.
      return equals < 0 ? (pair === '' ? pair : '[REDACTED]') : `${pair.slice(0, equals)}=[REDACTED]`;
    })
    .join('&');
  return `${url.slice(0, query + 1)}${hidden}${url.slice(end)}`;
}

/** A subscription as the API shows it: settings yes, secrets and credentials never. */
export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({
    description:
      'The endpoint; for Slack only its origin (the full URL is a credential). To keys without the admin scope every query value shows as `[REDACTED]`: a token in the URL is a credential.',
  })
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

  /** `url` in full for admins, who set it; with its query values hidden for everyone else. */
  static fromEntity(entity: WebhookSubscriptionEntity, url: 'full' | 'query-hidden' = 'full'): WebhookDto {
    const settings = entity.settings.jira ?? entity.settings.servicenow;
    return Object.assign(new WebhookDto(), {
      id: entity.id,
      name: entity.name,
      url: url === 'full' ? entity.url : withQueryValuesHidden(entity.url),
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
