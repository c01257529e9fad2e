import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AnalysisEntity } from '../analysis.entity';
import { ANALYSIS_STAGES, ANALYSIS_STATUSES, type AnalysisStage, type AnalysisStatus } from '../analysis-status';
import type { AnalysisFailure, AnalysisPreviousFailure, AnalysisStatistics } from '../analysis-statistics';

export class AnalysisDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ enum: ANALYSIS_STATUSES })
  status!: AnalysisStatus;

  @ApiProperty({ example: { from: '2026-11-24T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' } })
  window!: { from: string; to: string };

  @ApiProperty({ enum: ANALYSIS_STAGES, nullable: true, type: String })
  stage!: AnalysisStage | null;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiProperty({ description: 'Explicit retries so far.' })
  attempt!: number;

  @ApiProperty({
    description:
      'records, aggregates, bytesScanned, estimatedCostUsd (Athena: every query of the analysis, all attempts, stopped ones ' +
      'included), athenaQueries [{queryExecutionId, attempt, state, bytesScanned, costUsd, timedOut}], ' +
      'findings {new, updated, resolved, reopened}, coverageGaps, ' +
      "warnings, scopeNotDescribed {vpcIds, subnetIds} (ids of the target's scope EC2 does not describe, e.g. deleted: " +
      'the analysis covers the rest of the scope) …',
  })
  statistics!: AnalysisStatistics;

  @ApiPropertyOptional({ nullable: true, description: 'Why it failed or was cancelled.' })
  failure!: AnalysisFailure | null;

  @ApiProperty({
    description:
      'How each earlier attempt ended, oldest first, kept when the analysis was retried: its `failure` ' +
      '(code, reason, stage, permanent, at, details) with the `attempt` it ended and its `status` (failed or cancelled).',
    example: [
      {
        attempt: 0,
        status: 'failed',
        code: 'SNAPSHOT.INVALID',
        reason: 'SecurityGroups[0].GroupId must be a string',
        stage: 'snapshot',
        permanent: true,
        at: '2026-11-25T06:30:00.000Z',
      },
    ],
  })
  previousFailures!: AnalysisPreviousFailure[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  startedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finishedAt!: string | null;

  static fromEntity(entity: AnalysisEntity): AnalysisDto {
    return Object.assign(new AnalysisDto(), {
      id: entity.id,
      targetId: entity.targetId,
      status: entity.status,
      window: { from: entity.windowFrom.toISOString(), to: entity.windowTo.toISOString() },
      stage: entity.stage,
      progress: entity.progress,
      attempt: entity.attempt,
      statistics: entity.statistics,
      failure: entity.failure,
      previousFailures: entity.previousFailures ?? [],
      createdAt: entity.createdAt.toISOString(),
      startedAt: entity.startedAt?.toISOString() ?? null,
      finishedAt: entity.finishedAt?.toISOString() ?? null,
    });
  }
}
