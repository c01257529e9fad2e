import { ApiProperty } from '@nestjs/swagger';
import type { FindingTicketEntity } from '../finding-ticket.entity';

export class FindingTicketDto {
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ enum: ['jira', 'servicenow'] })
  system!: string;

  @ApiProperty({ example: 'NET-42', description: 'Jira issue key or ServiceNow incident number.' })
  key!: string;

  @ApiProperty({ example: 'https://example.atlassian.net/browse/NET-42' })
  url!: string;

  @ApiProperty({ enum: ['open', 'resolved'] })
  state!: string;

  @ApiProperty()
  lastSyncedAt!: string;

  @ApiProperty()
  createdAt!: string;

  static fromEntity(entity: FindingTicketEntity): FindingTicketDto {
    return Object.assign(new FindingTicketDto(), {
      subscriptionId: entity.subscriptionId,
      system: entity.system,
      key: entity.externalKey,
      url: entity.url,
      state: entity.state,
      lastSyncedAt: entity.lastSyncedAt.toISOString(),
      createdAt: entity.createdAt.toISOString(),
    });
  }
}
