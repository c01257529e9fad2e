import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot, TransitGateway, TransitGatewayVpcAttachment } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceEvaluateSecurityGroups, referenceExplainFlow } from '../../../support/factories/reference-evaluator';

/*
 * Security group references across a transit gateway, decided from the gateway's and the VPC
 * attachments' SecurityGroupReferencingSupport (AWS Transit Gateways Guide, "Security group
 * referencing": inbound rules only, enabled on the gateway and on both attachments, not across
 * transit gateway peering). Every case is checked against the reference evaluator too.
 *
 *   vpc-a 10.0.0.0/16  subnet-a 10.0.1.0/24   eni-a1 10.0.1.10 carries sg-app
 *   vpc-c 10.2.0.0/16  subnet-c 10.2.1.0/24   eni-c1 10.2.1.50 carries sg-db (inbound 5432 from sg-app)
 *                      subnet-c2 10.2.2.0/24  eni-c2 10.2.2.50 carries sg-db
 *
 * vpc-a's and vpc-c's main tables route each other's block to tgw-1; subnet-c2's own table routes
 * vpc-a's block to tgw-2. Both gateways have an available attachment of each VPC, every setting
 * `enable` except tgw-2's own (`disable`, its default).
 */

const OWNER = '111111111111';
const open = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
const openAcl = (NetworkAclId: string, VpcId: string) => ({
  NetworkAclId,
  VpcId,
  IsDefault: true,
  Entries: [
    { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
  ],
});
const eni = (NetworkInterfaceId: string, SubnetId: string, VpcId: string, ip: string, GroupId: string) => ({
  NetworkInterfaceId,
  SubnetId,
  VpcId,
  OwnerId: OWNER,
  InterfaceType: 'interface',
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
  Groups: [{ GroupId }],
});
const local = (cidr: string) => ({ DestinationCidrBlock: cidr, GatewayId: 'local', State: 'active' });
const toGateway = (cidr: string, TransitGatewayId: string) => ({ DestinationCidrBlock: cidr, TransitGatewayId, State: 'active' });
const attachment = (id: string, TransitGatewayId: string, VpcId: string): TransitGatewayVpcAttachment => ({
  TransitGatewayAttachmentId: id,
  TransitGatewayId,
  VpcId,
  VpcOwnerId: OWNER,
  State: 'available',
  Options: { SecurityGroupReferencingSupport: 'enable' },
});
const gateway = (TransitGatewayId: string, support: 'enable' | 'disable'): TransitGateway => ({
  TransitGatewayId,
  OwnerId: OWNER,
  State: 'available',
  Options: { SecurityGroupReferencingSupport: support },
});

function base(): NetworkSnapshot {
  return validateSnapshot({
    Vpcs: [
      { VpcId: 'vpc-a', OwnerId: OWNER, CidrBlock: '10.0.0.0/16' },
      { VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.0.0/16' },
    ],
    Subnets: [
      { SubnetId: 'subnet-a', VpcId: 'vpc-a', OwnerId: OWNER, CidrBlock: '10.0.1.0/24' },
      { SubnetId: 'subnet-c', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.1.0/24' },
      { SubnetId: 'subnet-c2', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.2.0/24' },
    ],
    NetworkInterfaces: [
      eni('eni-a1', 'subnet-a', 'vpc-a', '10.0.1.10', 'sg-app'),
      eni('eni-c1', 'subnet-c', 'vpc-c', '10.2.1.50', 'sg-db'),
      eni('eni-c2', 'subnet-c2', 'vpc-c', '10.2.2.50', 'sg-db'),
    ],
    SecurityGroups: [
      { GroupId: 'sg-app', VpcId: 'vpc-a', OwnerId: OWNER, IpPermissions: [], IpPermissionsEgress: open },
      {
        GroupId: 'sg-db',
        VpcId: 'vpc-c',
        OwnerId: OWNER,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app', UserId: OWNER, VpcId: 'vpc-a' }] },
        ],
        // Outbound, the same reference: transit gateways never resolve it there.
        IpPermissionsEgress: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app', UserId: OWNER }] },
        ],
      },
    ],
    NetworkAcls: [openAcl('acl-a', 'vpc-a'), openAcl('acl-c', 'vpc-c')],
    RouteTables: [
      {
        RouteTableId: 'rtb-a-main',
        VpcId: 'vpc-a',
        Associations: [{ Main: true }],
        Routes: [local('10.0.0.0/16'), toGateway('10.2.0.0/16', 'tgw-1')],
      },
      {
        RouteTableId: 'rtb-c-main',
        VpcId: 'vpc-c',
        Associations: [{ Main: true }],
        Routes: [local('10.2.0.0/16'), toGateway('10.0.0.0/16', 'tgw-1')],
      },
      {
        RouteTableId: 'rtb-c2',
        VpcId: 'vpc-c',
        Associations: [{ SubnetId: 'subnet-c2', AssociationState: { State: 'associated' } }],
        Routes: [local('10.2.0.0/16'), toGateway('10.0.0.0/16', 'tgw-2')],
      },
    ],
    TransitGateways: [gateway('tgw-1', 'enable'), gateway('tgw-2', 'disable')],
    TransitGatewayVpcAttachments: [
      attachment('tgw-attach-a1', 'tgw-1', 'vpc-a'),
      attachment('tgw-attach-c1', 'tgw-1', 'vpc-c'),
      attachment('tgw-attach-a2', 'tgw-2', 'vpc-a'),
      attachment('tgw-attach-c2', 'tgw-2', 'vpc-c'),
    ],
  });
}

type Edit = (s: NetworkSnapshot) => void;
const gatewayOf = (s: NetworkSnapshot, id: string) => s.TransitGateways!.find((g) => g.TransitGatewayId === id)!;
const attachmentOf = (s: NetworkSnapshot, id: string) => s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === id)!;
const setGateway =
  (id: string, fields: Partial<TransitGateway>): Edit =>
  (s) =>
    Object.assign(gatewayOf(s, id), fields);
const setAttachment =
  (id: string, fields: Partial<TransitGatewayVpcAttachment>): Edit =>
  (s) =>
    Object.assign(attachmentOf(s, id), fields);
const dropAttachment =
  (id: string): Edit =>
  (s) => {
    s.TransitGatewayVpcAttachments = s.TransitGatewayVpcAttachments!.filter((a) => a.TransitGatewayAttachmentId !== id);
  };
const vpcOwner =
  (id: string, OwnerId: string): Edit =>
  (s) =>
    Object.assign(
      s.Vpcs!.find((v) => v.VpcId === id)!,
      { OwnerId },
    );
const disable = { Options: { SecurityGroupReferencingSupport: 'disable' as const } };

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
    const result = evaluateSecurityGroups(NetworkModel.fromSnapshot(snapshot), ['sg-db'], direction, 6, 5432, '10.0.1.10', {
      vpcId: 'vpc-c',
      subnetId,
    });
    expect(result.allowed, JSON.stringify(result)).toBe(c.expected);
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
