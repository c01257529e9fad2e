import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AnalyzerRun } from '../../aws/reachability-analyzer';
import type { AnalyzerExplanation, AnalyzerPathInput, HopComparison } from '../../engine/path/analyzer-comparison';
import type { PathQuery } from '../../engine/path/path-query';
import type { PathVerdict } from '../../engine/path/path-result';
import { CONFIRMATION_STATUSES, type ConfirmationFailure, type ConfirmationStatus, type ConfirmationSubject } from '../confirmation-status';
import { REACHABILITY_ANALYSIS_PRICE_USD } from '../reachability-budget';
import type { ReachabilityConfirmationEntity } from '../reachability-confirmation.entity';

/** AWS's answer next to sgdoctor's, once the analysis succeeded. */
export class ConfirmationResultDto {
  @ApiProperty({ description: "Reachability Analyzer's verdict (NetworkPathFound)." })
  networkPathFound!: boolean;

  @ApiProperty({
    description: "The analysis' Explanations as AWS returned them (ExplanationCode, Direction, SecurityGroups, Acl, AclRule …).",
    type: 'array',
    items: { type: 'object' },
  })
  explanations!: AnalyzerExplanation[];

  @ApiProperty({ description: 'sgdoctor and Reachability Analyzer give the same verdict and blame the same controls.' })
  agree!: boolean;

  @ApiProperty({
    description:
      "sgdoctor's request and reply hops, each with sgdoctor's verdict, code and explanation, the analyzer's explanations naming " +
      'the same control, and whether the two agree.',
    type: 'array',
    items: { type: 'object' },
  })
  hops!: HopComparison[];

  @ApiProperty({
    description: 'Analyzer explanations that name no hop sgdoctor evaluated (load balancers, gateways …).',
    type: 'array',
    items: { type: 'object' },
  })
  unmatched!: AnalyzerExplanation[];
}

export class ConfirmationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The finding confirmed (null for a path question).' })
  findingId!: string | null;

  @ApiProperty({ enum: ['finding', 'path'] })
  subject!: ConfirmationSubject;

  @ApiProperty({ enum: CONFIRMATION_STATUSES })
  status!: ConfirmationStatus;

  @ApiProperty({
    description: 'The path question: from, to, protocol (IANA number), port, sourcePort.',
    example: { from: 'eni-0a1b', to: 'eni-0c2d', protocol: 6, port: 8443, sourcePort: null },
  })
  query!: PathQuery;

  @ApiProperty({
    description: "CreateNetworkInsightsPath's members as sent (Source, Destination, SourceIp, DestinationIp, Protocol, DestinationPort).",
  })
  analyzerPath!: AnalyzerPathInput;

  @ApiProperty({ description: "sgdoctor's answer when the confirmation was asked, as `sgdoctor why` prints it." })
  sgdoctor!: PathVerdict;

  @ApiProperty({ description: 'What AWS billed for it: USD 0.10 per analysis started.' })
  costUsd!: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  networkInsightsPathId!: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  networkInsightsAnalysisId!: string | null;

  @ApiPropertyOptional({ type: ConfirmationResultDto, nullable: true, description: 'Set once the analysis succeeded.' })
  result!: ConfirmationResultDto | null;

  @ApiPropertyOptional({
    nullable: true,
    description: "Why it failed: AWS's StatusMessage, a timeout, or a refused call ({code, reason}).",
  })
  failure!: ConfirmationFailure | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'Whether the analysis and the path were deleted from the account afterwards ({deleted, error}).',
  })
  cleanup!: AnalyzerRun['cleanup'] | null;

  @ApiProperty({ format: 'date-time' })
  requestedAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  startedAt!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finishedAt!: string | null;

  static fromEntity(entity: ReachabilityConfirmationEntity): ConfirmationDto {
    const comparison = entity.comparison;
    const result =
      entity.status === 'succeeded' && comparison && entity.analysis
        ? Object.assign(new ConfirmationResultDto(), {
            networkPathFound: entity.analysis.NetworkPathFound === true,
            explanations: entity.analysis.Explanations ?? [],
            agree: comparison.agree,
            hops: comparison.hops,
            unmatched: comparison.unmatched,
          })
        : null;
    return Object.assign(new ConfirmationDto(), {
      id: entity.id,
      targetId: entity.targetId,
      findingId: entity.findingId,
      subject: entity.subject,
      status: entity.status,
      query: entity.query,
      analyzerPath: entity.analyzerPath,
      sgdoctor: entity.sgdoctor,
      costUsd: Math.round(entity.analysesStarted * REACHABILITY_ANALYSIS_PRICE_USD * 100) / 100,
      networkInsightsPathId: entity.networkInsightsPathId,
      networkInsightsAnalysisId: entity.networkInsightsAnalysisId,
      result,
      failure: entity.failure,
      cleanup: entity.cleanup,
      requestedAt: entity.requestedAt.toISOString(),
      startedAt: entity.startedAt?.toISOString() ?? null,
      finishedAt: entity.finishedAt?.toISOString() ?? null,
    });
  }
}
