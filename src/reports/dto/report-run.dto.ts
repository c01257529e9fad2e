import { ApiProperty } from '@nestjs/swagger';
import type { ReportRunEntity, ReportRunStatus } from '../report-run.entity';

/** A queued "run now": followed at its `Location`; its report appears in GET /v1/reports?scheduleId=… too. */
export class ReportRunDto {
  @ApiProperty({ format: 'uuid' })
  runId!: string;

  @ApiProperty({ format: 'uuid' })
  scheduleId!: string;

  @ApiProperty()
  requestedAt!: string;
}

/** Where a "run now" stands: its report once stored, or why it failed for good. */
export class ReportRunStatusDto extends ReportRunDto {
  @ApiProperty({
    enum: ['queued', 'running', 'succeeded', 'failed'],
    description: 'failed: every attempt of its job failed; run the schedule again to retry.',
  })
  status!: ReportRunStatus;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The report, once the run succeeded.' })
  reportId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the run failed; null unless it did.' })
  failure!: string | null;

  static fromEntity(entity: ReportRunEntity): ReportRunStatusDto {
    return Object.assign(new ReportRunStatusDto(), {
      runId: entity.id,
      scheduleId: entity.scheduleId,
      requestedAt: entity.requestedAt.toISOString(),
      status: entity.status,
      reportId: entity.reportId,
      failure: entity.failure,
    });
  }
}
