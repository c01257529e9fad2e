import { ApiProperty } from '@nestjs/swagger';
import type { CampaignEvidence, Finding, FindingInterface, FindingPeer } from '../../engine/findings/finding';
import type { FixChange, FixRisk } from '../../engine/fixes/fix';
import { FindingTicketDto } from '../../ticketing/dto/finding-ticket.dto';
import type { FindingEntity } from '../finding.entity';
import { FindingSummaryDto, type FindingSummarySource } from './finding-summary.dto';

/** The stored fields of a finding its detail shows (its stored flows only counted). */
export type FindingDetailSource = FindingSummarySource &
  Pick<
    FindingEntity,
    'statusReason' | 'suppressedUntil' | 'resolvedAt' | 'counts' | 'packets' | 'bytes' | 'vpcIds' | 'accountIds' | 'lastAnalysisId'
  >;

/** A finding with its evidence and its fix in every rendering. */
export class FindingDetailDto extends FindingSummaryDto {
  @ApiProperty({ nullable: true, type: String })
  statusReason!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  suppressedUntil!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  resolvedAt!: string | null;

  @ApiProperty({ type: [String] })
  signals!: string[];

  @ApiProperty({ description: 'Other controls that also deny some of the flows.' })
  alsoBlockedBy!: Finding['alsoBlockedBy'];

  @ApiProperty({
    description:
      'topPeers, interfaces, countsOverTime [{ from, records }], packets, bytes, sampleFlows; for a campaign also `campaign` (sources, per-port breakdown with the controls of each, as of the last analysis).',
  })
  evidence!: {
    campaign?: CampaignEvidence;
    topPeers: FindingPeer[];
    interfaces: FindingInterface[];
    countsOverTime: Array<{ from: string; records: number }>;
    packets: number;
    bytes: number;
    sampleFlows: number;
  };

  @ApiProperty({
    nullable: true,
    description: 'changes (EC2 API requests), awsCli, terraform, cloudFormation, verified, risks; null for noise.',
  })
  fix!: { changes: FixChange[]; awsCli: string; terraform: string; cloudFormation: string; verified: boolean; risks: FixRisk[] } | null;

  @ApiProperty({ description: 'The engine finding as of the last analysis (CLI contract FINDING).' })
  finding!: Finding;

  @ApiProperty({ type: [String] })
  vpcIds!: string[];

  @ApiProperty({ type: [String], description: 'The accounts owning the interfaces of its flows.' })
  accountIds!: string[];

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  lastAnalysisId!: string | null;

  @ApiProperty({
    type: [FindingTicketDto],
    description: 'The Jira issue or ServiceNow incident of the finding in each ticketing webhook, oldest first.',
  })
  tickets!: FindingTicketDto[];

  static override fromEntity(entity: FindingDetailSource, sampleFlows = 0, tickets: FindingTicketDto[] = []): FindingDetailDto {
    const f = entity.finding;
    const fix = f.suggestedFix;
    return Object.assign(new FindingDetailDto(), FindingSummaryDto.fields(entity), {
      statusReason: entity.statusReason,
      suppressedUntil: entity.suppressedUntil?.toISOString() ?? null,
      resolvedAt: entity.resolvedAt?.toISOString() ?? null,
      signals: f.signals,
      alsoBlockedBy: f.alsoBlockedBy ?? [],
      evidence: {
        topPeers: f.traffic.peers.slice(0, 10),
        interfaces: f.traffic.interfaces,
        countsOverTime: Object.entries(entity.counts)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([from, records]) => ({ from, records })),
        packets: entity.packets,
        bytes: entity.bytes,
        sampleFlows,
        ...(f.campaign ? { campaign: f.campaign } : {}),
      },
      fix: fix
        ? {
            changes: fix.changes,
            awsCli: fix.awsCli,
            terraform: fix.terraform,
            cloudFormation: fix.cloudFormation,
            verified: fix.verified,
            risks: fix.risks,
          }
        : null,
      finding: f,
      vpcIds: entity.vpcIds,
      accountIds: entity.accountIds,
      lastAnalysisId: entity.lastAnalysisId,
      tickets,
    });
  }
}
