import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import type { NewlyReachable } from '../../engine/simulate/simulate';

class SimulatedFindingDto {
  @ApiProperty({ format: 'uuid' })
  findingId!: string;

  @ApiProperty()
  fingerprint!: string;
}

class AllowedFlowDto extends SimulatedFindingDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The recorded flow: interfaceId, srcaddr, dstaddr, srcport, dstport, protocol (IANA number), records, packets, bytes, ' +
      'firstSeen and lastSeen (epoch seconds), as in a finding.',
  })
  flow!: FlowAggregate;
}

class NewlyReachableDto {
  @ApiPropertyOptional({ description: 'The security group the rule was added to (SG changes).' })
  groupId?: string;

  @ApiPropertyOptional({ description: 'The network ACL the entry was added to (NACL changes).' })
  networkAclId?: string;

  @ApiProperty({ type: [String], description: 'Interfaces that carry the group, or sit in a subnet of the ACL.' })
  interfaceIds!: string[];

  @ApiPropertyOptional({ type: [String], description: 'Subnets of the ACL (NACL changes).' })
  subnetIds?: string[];

  @ApiProperty({ description: 'A CIDR block, `sg-…` (a referenced group) or `pl-…` (a prefix list).' })
  peer!: string;

  @ApiProperty({ enum: ['cidr', 'security-group', 'prefix-list'] })
  peerKind!: string;

  @ApiProperty({ example: 'tcp' })
  protocol!: string;

  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: { from: { type: 'integer' }, to: { type: 'integer' } },
    description: 'Inclusive port range; null when the protocol has no ports or every port is covered.',
  })
  ports!: { from: number; to: number } | null;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      "The ICMP/ICMPv6 type an ICMP rule names (a permission's FromPort, an entry's IcmpTypeCode Type); absent when it names every type.",
  })
  icmpType?: number;

  @ApiProperty({ enum: ['ingress', 'egress'] })
  direction!: string;

  @ApiProperty({ description: 'The peer range contains internet addresses.' })
  includesInternet!: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Set when a ReplaceNetworkAclEntry removed the deny entry with this number that refused this traffic.',
  })
  replacedRule?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'The entry that now allows the traffic the replaced deny refused.' })
  decidedBy?: number;
}

export class SimulationResultDto {
  @ApiProperty({ format: 'uuid', description: 'The analysis whose snapshot was changed.' })
  snapshotAnalysisId!: string;

  @ApiProperty({ type: 'integer', description: 'Recorded rejected flows evaluated.' })
  flowsEvaluated!: number;

  @ApiProperty({ type: [AllowedFlowDto], description: 'Flows the changes would let through, with the finding they belong to.' })
  nowAllowed!: Array<{ findingId: string; fingerprint: string; flow: FlowAggregate }>;

  @ApiProperty({ type: [SimulatedFindingDto], description: 'Findings every recorded flow of which would be allowed.' })
  findingsResolved!: Array<{ findingId: string; fingerprint: string }>;

  @ApiProperty({ type: 'integer', description: 'Flows whose verdict changes in any way (e.g. another control now blocks).' })
  changedFlows!: number;

  @ApiProperty({ type: [NewlyReachableDto], description: 'What the added rules expose beyond the recorded flows.' })
  newlyReachable!: NewlyReachable[];
}
