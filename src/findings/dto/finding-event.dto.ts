import { ApiProperty } from '@nestjs/swagger';
import type { FindingEventEntity } from '../finding-event.entity';

export class FindingEventDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'Who: `{ type: "api-key", id }` or `{ type: "system", analysisId }`.' })
  actor!: { type: 'api-key' | 'system'; id: string | null; analysisId: string | null };

  @ApiProperty({ nullable: true, type: String })
  from!: string | null;

  @ApiProperty()
  to!: string;

  @ApiProperty({ nullable: true, type: String })
  reason!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  static fromEntity(entity: FindingEventEntity): FindingEventDto {
    return Object.assign(new FindingEventDto(), {
      id: String(entity.id),
      actor: { type: entity.actorType, id: entity.actorId, analysisId: entity.analysisId },
      from: entity.fromStatus,
      to: entity.toStatus,
      reason: entity.reason,
      at: entity.at.toISOString(),
    });
  }
}
