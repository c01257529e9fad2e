import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import { groupsReferencedThroughTransitGateway } from '../../../../src/engine/evaluate/transit-gateway-reference';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceEvaluateSecurityGroups, referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import {
  OWNER,
  local,
  disable,
  dropAttachment,
  gatewayOf,
  setAttachment,
  setGateway,
  type SnapshotEdit,
  transitGatewaySnapshot,
} from '../../../support/factories/transit-gateway-snapshot';

/*
 * Security group references across a transit gateway, decided from the gateway's and the VPC
 * attachments' SecurityGroupReferencingSupport (AWS Transit Gateways Guide, "Security group
 * referencing": inbound rules only, enabled on the gateway and on both attachments, not across
 * transit gateway peering), over the estate of transitGatewaySnapshot. Every case is checked
 * against the reference evaluator too.
 */
const base = transitGatewaySnapshot;

type Edit = SnapshotEdit;
const vpcOwner =
  (id: string, OwnerId: string): Edit =>
  (s) =>
    Object.assign(
      s.Vpcs!.find((v) => v.VpcId === id)!,
      { OwnerId },
    );

/** Today's reason when the snapshot does not hold the settings. */
const NOT_SHOWN =
  '10.0.1.10 carries sg-app in vpc-a, which vpc-c reaches through transit gateway tgw-1: the reference matches there only when ' +
  'security group referencing is enabled on the transit gateway and on both VPC attachments, which the snapshot does not show';

interface Case {
  name: string;
  edits?: Edit[];
  subnetId?: string;
  direction?: 'ingress' | 'egress';
  expected: boolean | 'uncertain';
  reason?: string | RegExp;
}

const cases: Case[] = [
  { name: 'enabled on the gateway and on both attachments: the reference matches', expected: true },
  {
    name: "the gateway's setting is disable (its default): the reference does not match",
    edits: [setGateway('tgw-1', disable)],
    expected: false,
  },
  { name: "the rule's VPC's attachment says disable", edits: [setAttachment('tgw-attach-c1', disable)], expected: false },
  { name: "the peer's VPC's attachment says disable", edits: [setAttachment('tgw-attach-a1', disable)], expected: false },
  {
    name: "the peer's VPC is not attached to the gateway (reached across a transit gateway peering, say): no match",
    edits: [dropAttachment('tgw-attach-a1')],
    expected: false,
  },
  {
    name: 'an attachment still pending acceptance carries nothing: no match',
    edits: [setAttachment('tgw-attach-a1', { State: 'pendingAcceptance' })],
    expected: false,
  },
  { name: 'a gateway being deleted resolves nothing', edits: [setGateway('tgw-1', { State: 'deleting' })], expected: false },
  {
    name: "without the gateways and attachments in the snapshot: unknown, today's reason",
    edits: [
      (s) => {
        delete s.TransitGateways;
        delete s.TransitGatewayVpcAttachments;
      },
    ],
    expected: 'uncertain',
    reason: NOT_SHOWN,
  },
  {
    name: 'the gateway listed, the attachments not: unknown',
    edits: [(s) => delete s.TransitGatewayVpcAttachments],
    expected: 'uncertain',
    reason: NOT_SHOWN,
  },
  {
    name: 'the attachments refused to the read role: unknown, naming the refusal and what to grant',
    edits: [
      (s) => {
        delete s.TransitGatewayVpcAttachments;
        s.NotRead = [
          {
            Member: 'TransitGatewayVpcAttachments',
            Action: 'ec2:DescribeTransitGatewayVpcAttachments',
            AccountId: OWNER,
            Region: 'eu-west-1',
            ErrorCode: 'UnauthorizedOperation',
          },
        ];
      },
    ],
    expected: 'uncertain',
    reason:
      `${NOT_SHOWN}: ec2:DescribeTransitGatewayVpcAttachments was refused (UnauthorizedOperation) in account ${OWNER}, eu-west-1; ` +
      'grant it to the read role (iam/ec2-config.json)',
  },
  {
    name: "an attachment missing of a VPC of another account, to another account's gateway: the snapshot cannot list it, unknown",
    edits: [vpcOwner('vpc-a', '222222222222'), setGateway('tgw-1', { OwnerId: '333333333333' }), dropAttachment('tgw-attach-a1')],
    expected: 'uncertain',
    reason: /it lists no attachment of vpc-a to tgw-1, and was read neither in the account of vpc-a nor in the gateway's$/,
  },
  {
    name: "an attachment missing of another account's VPC, to a gateway of the account read (which lists every attachment to it): no match",
    edits: [vpcOwner('vpc-a', '222222222222'), dropAttachment('tgw-attach-a1')],
    expected: false,
  },
  {
    name: 'an attachment being modified: unknown',
    edits: [setAttachment('tgw-attach-a1', { State: 'modifying' })],
    expected: 'uncertain',
    reason: /and the attachment tgw-attach-a1 of vpc-a is being modified$/,
  },
  {
    name: 'a gateway whose options the snapshot leaves out: unknown',
    edits: [(s) => delete gatewayOf(s, 'tgw-1').Options],
    expected: 'uncertain',
    reason: /and the snapshot gives no SecurityGroupReferencingSupport for transit gateway tgw-1$/,
  },
  {
    name: 'an attachment that says disable decides even without the gateway in the snapshot',
    edits: [(s) => delete s.TransitGateways, setAttachment('tgw-attach-a1', disable)],
    expected: false,
  },
  {
    name: "subnet-c2's own table sends vpc-a to tgw-2, whose setting is disable: no match, whatever the VPC's main table says",
    subnetId: 'subnet-c2',
    expected: false,
  },
  {
    name: 'subnet-c2 through tgw-2 with referencing enabled: the reference matches',
    subnetId: 'subnet-c2',
    edits: [setGateway('tgw-2', { Options: { SecurityGroupReferencingSupport: 'enable' } })],
    expected: true,
  },
  {
    name: "a subnet whose own table reaches vpc-a through no transit gateway: a miss, though the VPC's main table routes to one",
    subnetId: 'subnet-c2',
    edits: [(s) => (s.RouteTables!.find((t) => t.RouteTableId === 'rtb-c2')!.Routes = [local('10.2.0.0/16')])],
    expected: false,
  },
  { name: 'outbound rules never reference a group across a transit gateway', direction: 'egress', expected: false },
];

function snapshotOf(edits: Edit[] = []): NetworkSnapshot {
  const s = base();
  for (const edit of edits) edit(s);
  return s;
}

describe('a group reference through a transit gateway, from the gateway and attachment settings', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const snapshot = snapshotOf(c.edits);
    const subnetId = c.subnetId ?? 'subnet-c';
    const direction = c.direction ?? 'ingress';
    const model = NetworkModel.fromSnapshot(snapshot);
    const result = evaluateSecurityGroups(model, ['sg-db'], direction, 6, 5432, '10.0.1.10', { vpcId: 'vpc-c', subnetId });
    expect(result.allowed, JSON.stringify(result)).toBe(c.expected);
    // The groups a fix may reference for the peer: those whose reference matches, never an undecided one.
    if (direction === 'ingress') {
      expect(groupsReferencedThroughTransitGateway(model, model.address('10.0.1.10')!, 'vpc-c', subnetId)).toEqual(
        c.expected === true ? ['sg-app'] : [],
      );
    }
    if (c.reason !== undefined && result.allowed === 'uncertain') {
      if (typeof c.reason === 'string') expect(result.reason).toBe(c.reason);
      else expect(result.reason).toMatch(c.reason);
    }
    const tri = c.expected === true ? 'allow' : c.expected === false ? 'deny' : 'uncertain';
    expect(referenceEvaluateSecurityGroups(snapshot, ['sg-db'], direction, 6, 5432, '10.0.1.10', 'vpc-c', null, subnetId)).toBe(tri);
  });

  it.each([
    ['enabled everywhere: the REJECT is already allowed', [], 'allowed'],
    ['disabled on the gateway: the group refuses it', [setGateway('tgw-1', disable)], 'blocked'],
    ['settings not in the snapshot: unknown', [(s: NetworkSnapshot) => delete s.TransitGateways], 'unknown'],
  ] as const)('explain: %s, as the reference evaluator says', (_name, edits, verdict) => {
    const snapshot = snapshotOf([...edits]);
    const flow = flowAggregate({
      interfaceId: 'eni-c1',
      srcaddr: '10.0.1.10',
      dstaddr: '10.2.1.50',
      srcport: 40000,
      dstport: 5432,
      tcpFlags: 2,
      flowDirection: 'ingress',
    });
    const fast = explainFlow(NetworkModel.fromSnapshot(snapshot), flow);
    expect(fast.verdict, fast.reason).toBe(verdict);
    if (verdict === 'blocked') expect(fast.blockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }]);
    const slow = referenceExplainFlow(snapshot, flow);
    expect({ verdict: slow.verdict, blockedBy: slow.blockedBy }).toEqual({ verdict: fast.verdict, blockedBy: fast.blockedBy });
  });
});
