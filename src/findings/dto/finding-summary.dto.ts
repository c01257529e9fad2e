import { ApiProperty } from '@nestjs/swagger';
import { describeTraffic } from '../../engine/network/protocol';
import type { BlockingControl } from '../../engine/evaluate/verdict';
import type { CampaignScope, FindingKind } from '../../engine/findings/finding';
import type { FindingEntity } from '../finding.entity';
import { FINDING_STATUSES, type FindingStatus } from '../finding-status';

/** The stored fields of a finding its summary shows. */
export type FindingSummarySource = Pick<
  FindingEntity,
  | 'id'
  | 'targetId'
  | 'fingerprint'
  | 'status'
  | 'kind'
  | 'classification'
  | 'severity'
  | 'direction'
  | 'protocol'
  | 'port'
  | 'returnTraffic'
  | 'records'
  | 'firstSeen'
  | 'lastSeen'
  | 'finding'
>;

/** A finding as listed. */
export class FindingSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  targetId!: string;

  @ApiProperty()
  fingerprint!: string;

  @ApiProperty({ enum: FINDING_STATUSES })
  status!: FindingStatus;

  @ApiProperty({
    enum: ['rule', 'campaign'],
    description:
      '`rule`: one control × direction × protocol × port; `campaign`: scanner noise of one source or of sources acting together.',
  })
  kind!: FindingKind;

  @ApiProperty({ enum: ['likely-misconfiguration', 'likely-noise', 'uncertain'] })
  classification!: string;

  @ApiProperty({ enum: ['low', 'medium', 'high', 'critical'] })
  severity!: string;

  @ApiProperty({ description: 'The control that drops the flows (CLI contract CONTROL).' })
  blockedBy!: BlockingControl;

  @ApiProperty({ enum: ['ingress', 'egress'] })
  direction!: string;

  @ApiProperty({ example: 6 })
  protocol!: number;

  @ApiProperty({ nullable: true, type: Number, example: 8443 })
  port!: number | null;

  @ApiProperty({ example: 'tcp/8443', description: 'For a campaign: what it probed, e.g. `tcp, 398 ports`.' })
  traffic!: string;

  @ApiProperty({
    nullable: true,
    description: 'A campaign in short (scope, key, sources, probed services, interfaces); null for rule findings.',
    example: { scope: 'source', key: '203.0.113.45', sourceCount: 1, portCount: 398, hostCount: 1 },
  })
  campaign!: { scope: CampaignScope; key: string; sourceCount: number; portCount: number; hostCount: number } | null;

  @ApiProperty()
  returnTraffic!: boolean;

  @ApiProperty({ description: 'Rejected records over every analysis.' })
  records!: number;

  @ApiProperty({ description: 'Distinct peers in the last analysis.' })
  peerCount!: number;

  @ApiProperty({ format: 'date-time' })
  firstSeen!: string;

  @ApiProperty({ format: 'date-time' })
  lastSeen!: string;

  @ApiProperty({ nullable: true, type: String, description: 'The fix in one line, null for noise.' })
  fixSummary!: string | null;

  static fromEntity(entity: FindingSummarySource): FindingSummaryDto {
    return Object.assign(new FindingSummaryDto(), FindingSummaryDto.fields(entity));
  }

  protected static fields(entity: FindingSummarySource): FindingSummaryDto {
    const f = entity.finding;
    const fix = f.suggestedFix;
    return {
      id: entity.id,
      targetId: entity.targetId,
      fingerprint: entity.fingerprint,
      status: entity.status,
      kind: entity.kind,
      classification: entity.classification,
      severity: entity.severity,
      blockedBy: f.blockedBy,
      direction: entity.direction,
      protocol: entity.protocol,
      port: entity.port,
      traffic: FindingSummaryDto.traffic(entity.protocol, entity.port, f.campaign?.portCount ?? null),
      returnTraffic: entity.returnTraffic,
      records: entity.records,
      peerCount: f.traffic.peerCount ?? f.traffic.peers.length,
      firstSeen: entity.firstSeen.toISOString(),
      lastSeen: entity.lastSeen.toISOString(),
      campaign: f.campaign
        ? {
            scope: f.campaign.scope,
            key: f.campaign.key,
            sourceCount: f.campaign.sourceCount,
            portCount: f.campaign.portCount,
            hostCount: f.campaign.hostCount,
          }
        : null,
      fixSummary: fix
        ? FindingSummaryDto.fixSummary(
            fix.changes.map((c) => c.action),
            fix.verified,
          )
        : null,
    };
  }

  /** What the finding's flows are, e.g. `tcp/8443`; for a campaign that probed several ports `tcp, 398 ports`. */
  static traffic(protocol: number, port: number | null, campaignPortCount: number | null): string {
    return campaignPortCount !== null && campaignPortCount > 1
      ? `${describeTraffic(protocol, null)}, ${campaignPortCount} ports`
      : describeTraffic(protocol, port);
  }

  /** The fix in one line: its EC2 actions, and whether simulation verified it. */
  static fixSummary(actions: readonly string[], verified: boolean): string {
    return `${actions.join(' + ')}${verified ? ' (verified)' : ' (not verified)'}`;
  }
}
