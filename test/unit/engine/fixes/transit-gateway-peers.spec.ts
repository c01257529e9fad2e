import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { Finding } from '../../../../src/engine/findings/finding';
import { groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import type { AuthorizeSecurityGroupParams } from '../../../../src/engine/fixes/fix-params';
import { createFixVerifier } from '../../../../src/engine/fixes/verify-fix';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import {
  OWNER,
  attachmentOf,
  disable,
  dropAttachment,
  gatewayOf,
  setAttachment,
  setGateway,
  type SnapshotEdit,
  transitGatewaySnapshot,
} from '../../../support/factories/transit-gateway-snapshot';

/*
 * The peers of an inbound security-group fix across a transit gateway, over the estate of
 * transitGatewaySnapshot with sg-db's inbound rules taken away (so eni-a1's connections to
 * 5432 are refused): where the transit gateway and both VPC attachments enable security group
 * referencing, the fix names the peer's group as it would in the same or a peered VPC; wherever
 * the reference would not match, or the snapshot cannot tell, it names the peer's address. The
 * decision is the evaluator's (transit-gateway-references.spec.ts), so each fix verifies.
 *
 *   vpc-a  eni-a1 10.0.1.10  sg-app        vpc-c  eni-c1 10.2.1.50  sg-db  (subnet-c,  via tgw-1)
 *                                                 eni-c2 10.2.2.50  sg-db  (subnet-c2, via tgw-2: disable)
 */

type Edit = SnapshotEdit;
const enable = { Options: { SecurityGroupReferencingSupport: 'enable' as const } };

/** sg-db refuses everything inbound: the connections eni-a1 opens to 5432 are blocked by it. */
const refuseInbound: Edit = (s) => {
  s.SecurityGroups!.find((g) => g.GroupId === 'sg-db')!.IpPermissions = [];
};
/** A third interface, in vpc-c itself (subnet-c), carrying a group of its own. */
const sameVpcPeer: Edit = (s) => {
  s.SecurityGroups!.push({
    GroupId: 'sg-web',
    GroupName: 'web',
    VpcId: 'vpc-c',
    OwnerId: OWNER,
    IpPermissions: [],
    IpPermissionsEgress: [],
  });
  s.NetworkInterfaces!.push({
    NetworkInterfaceId: 'eni-c3',
    SubnetId: 'subnet-c',
    VpcId: 'vpc-c',
    OwnerId: OWNER,
    InterfaceType: 'interface',
    PrivateIpAddress: '10.2.1.60',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.2.1.60', Primary: true }],
    Groups: [{ GroupId: 'sg-web' }],
  });
};

function snapshotOf(edits: Edit[] = []): NetworkSnapshot {
  const s = transitGatewaySnapshot();
  for (const edit of [refuseInbound, ...edits]) edit(s);
  return s;
}

const A1 = '10.0.1.10';
const SERVER: Record<string, string> = { 'eni-c1': '10.2.1.50', 'eni-c2': '10.2.2.50' };

/** A client that retried over an hour (misconfiguration, so its finding gets a fix): SYNs to 5432 at the server's interface. */
function refused(src: string, at: 'eni-c1' | 'eni-c2', port = 40000): FlowAggregate {
  return flowAggregate({
    interfaceId: at,
    srcaddr: src,
    dstaddr: SERVER[at],
    srcport: port,
    dstport: 5432,
    tcpFlags: 2,
    flowDirection: 'ingress',
    records: 12,
    packets: 36,
    firstSeen: 0,
    lastSeen: 3600,
  });
}

function onlyRule(findings: Finding[]): Finding {
  const rules = findings.filter((f) => f.kind === 'rule');
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

/** The peers the fix's one security-group rule names: referenced groups and CIDRs. */
function peersOf(finding: Finding): { groups: string[]; cidrs: string[] } {
  const changes = finding.suggestedFix!.changes.filter((c) => c.action === 'AuthorizeSecurityGroupIngress');
  expect(changes).toHaveLength(1);
  const params = changes[0]!.params as unknown as AuthorizeSecurityGroupParams;
  expect(params.GroupId).toBe('sg-db');
  const permissions = params.IpPermissions ?? [];
  expect(permissions).toHaveLength(1);
  expect(permissions[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
  return {
    groups: (permissions[0]!.UserIdGroupPairs ?? []).map((p) => p.GroupId),
    cidrs: (permissions[0]!.IpRanges ?? []).map((r) => r.CidrIp),
  };
}

const BY_GROUP = { groups: ['sg-app'], cidrs: [] };
const BY_ADDRESS = { groups: [], cidrs: [`${A1}/32`] };

interface Case {
  name: string;
  edits?: Edit[];
  at?: 'eni-c1' | 'eni-c2';
  expected: { groups: string[]; cidrs: string[] };
}

const cases: Case[] = [
  { name: "enabled on the gateway and on both attachments: the peer's group, as for a same-VPC peer", expected: BY_GROUP },
  {
    name: "the gateway's setting is disable (its default): the peer's address",
    edits: [setGateway('tgw-1', disable)],
    expected: BY_ADDRESS,
  },
  { name: "the rule's VPC's attachment says disable: the address", edits: [setAttachment('tgw-attach-c1', disable)], expected: BY_ADDRESS },
  { name: "the peer's VPC's attachment says disable: the address", edits: [setAttachment('tgw-attach-a1', disable)], expected: BY_ADDRESS },
  { name: "the peer's VPC is not attached to the gateway: the address", edits: [dropAttachment('tgw-attach-a1')], expected: BY_ADDRESS },
  { name: 'a gateway being deleted: the address', edits: [setGateway('tgw-1', { State: 'deleting' })], expected: BY_ADDRESS },
  {
    name: 'the settings not in the snapshot (the reference undecided): the address',
    edits: [
      (s) => {
        delete s.TransitGateways;
        delete s.TransitGatewayVpcAttachments;
      },
    ],
    expected: BY_ADDRESS,
  },
  {
    name: 'an attachment being modified (undecided): the address',
    edits: [setAttachment('tgw-attach-a1', { State: 'modifying' })],
    expected: BY_ADDRESS,
  },
  { name: "at eni-c2, whose subnet's table routes vpc-a to tgw-2 (disable): the address", at: 'eni-c2', expected: BY_ADDRESS },
  {
    name: 'at eni-c2 through tgw-2 with referencing enabled: the group',
    at: 'eni-c2',
    edits: [setGateway('tgw-2', enable)],
    expected: BY_GROUP,
  },
];

describe('an inbound fix for peers across a transit gateway names their group only where the reference matches', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const finding = onlyRule(diagnose(snapshotOf(c.edits), [refused(A1, c.at ?? 'eni-c1')]).findings);
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] });
    expect(peersOf(finding)).toEqual(c.expected);
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });

  it('the reference is named with the gateway as it is for a peered VPC: the group id and a description, no owner of the same account', () => {
    const finding = onlyRule(diagnose(snapshotOf(), [refused(A1, 'eni-c1')]).findings);
    const params = finding.suggestedFix!.changes[0]!.params as unknown as AuthorizeSecurityGroupParams;
    expect(params.IpPermissions![0]!.UserIdGroupPairs).toEqual([
      { GroupId: 'sg-app', Description: 'sgdoctor: observed rejects from sg-app' },
    ]);
    expect(finding.suggestedFix!.risks.map((r) => r.kind)).not.toContain('wider-peer');
  });

  it('a peer refused at two interfaces of the group, the reference matching at one only: its address, which works at both', () => {
    const finding = onlyRule(diagnose(snapshotOf(), [refused(A1, 'eni-c1'), refused(A1, 'eni-c2', 40001)]).findings);
    expect(peersOf(finding)).toEqual(BY_ADDRESS);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('the same at two interfaces where both gateways enable it: the group', () => {
    const snapshot = snapshotOf([setGateway('tgw-2', enable)]);
    const finding = onlyRule(diagnose(snapshot, [refused(A1, 'eni-c1'), refused(A1, 'eni-c2', 40001)]).findings);
    expect(peersOf(finding)).toEqual(BY_GROUP);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('a peer of the same VPC and one across the gateway: both groups in one rule', () => {
    const finding = onlyRule(diagnose(snapshotOf([sameVpcPeer]), [refused(A1, 'eni-c1'), refused('10.2.1.60', 'eni-c1', 40001)]).findings);
    expect(peersOf(finding)).toEqual({ groups: ['sg-app', 'sg-web'], cidrs: [] });
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('outbound rules never reference a group across a transit gateway: an egress fix names the address', () => {
    // sg-db's outbound rule references sg-app, which the gateway never resolves: the packets to eni-a1 are refused.
    const flow = flowAggregate({
      interfaceId: 'eni-c1',
      srcaddr: '10.2.1.50',
      dstaddr: A1,
      srcport: 40000,
      dstport: 5432,
      tcpFlags: 2,
      flowDirection: 'egress',
      records: 12,
      packets: 36,
      firstSeen: 0,
      lastSeen: 3600,
    });
    const finding = onlyRule(diagnose(snapshotOf([(s) => (gatewayOf(s, 'tgw-1').Options = enable.Options)]), [flow]).findings);
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-db'] });
    const change = finding.suggestedFix!.changes.find((c) => c.action === 'AuthorizeSecurityGroupEgress')!;
    const permission = (change.params as unknown as AuthorizeSecurityGroupParams).IpPermissions![0]!;
    expect(permission.UserIdGroupPairs ?? []).toEqual([]);
    expect(permission.IpRanges).toEqual([expect.objectContaining({ CidrIp: `${A1}/32` })]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('a fix referencing a group across a transit gateway verifies only where the reference would match', () => {
  const reference: FixChange = {
    action: 'AuthorizeSecurityGroupIngress',
    params: {
      GroupId: 'sg-db',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app' }] }],
    },
  };

  it.each([
    ['enabled everywhere', [], true],
    ['disabled on the gateway', [setGateway('tgw-1', disable)], false],
    ['settings not in the snapshot', [(s: NetworkSnapshot) => delete s.TransitGateways], false],
  ] as const)('%s', (_name, edits, verified) => {
    const snapshot = snapshotOf([...edits]);
    const model = NetworkModel.fromSnapshot(snapshot);
    const flow = refused(A1, 'eni-c1');
    const [group] = groupBlockedFlows([{ flow, verdict: explainFlow(model, flow) }]);
    expect(createFixVerifier(snapshot, {}, model)([reference], group!).verified).toBe(verified);
  });
});

describe('why: the fix of a path across a transit gateway names the group on the same terms', () => {
  it.each([
    ['enabled everywhere: the group', [], BY_GROUP],
    ['disabled on the gateway: the address', [setGateway('tgw-1', disable)], BY_ADDRESS],
    ['settings not in the snapshot: the address', [(s: NetworkSnapshot) => delete s.TransitGateways], BY_ADDRESS],
  ] as const)('%s', (_name, edits, expected) => {
    const model = NetworkModel.fromSnapshot(snapshotOf([...edits]));
    const analysis = explainPath(model, parsePathQuery({ from: 'eni-a1', to: 'eni-c1', protocol: 'tcp', port: 5432 }));
    expect(analysis.verdict).toBe('blocked');
    const fix = analysis.suggestedFix!;
    const change = fix.changes.find((c) => c.action === 'AuthorizeSecurityGroupIngress')!;
    const permission = (change.params as unknown as AuthorizeSecurityGroupParams).IpPermissions![0]!;
    expect({
      groups: (permission.UserIdGroupPairs ?? []).map((p) => p.GroupId),
      cidrs: (permission.IpRanges ?? []).map((r) => r.CidrIp),
    }).toEqual(expected);
    expect(fix.verified).toBe(true);
  });
});

/*
 * The far end across a transit gateway: eni-a1's connections to eni-c1 cross tgw-1 both ways
 * (each VPC's main table routes the other's block there, both attached), so a fix opens eni-c1's
 * side too where it refuses them, as it does for a peer in the same or a peered VPC.
 */
describe('a fix across a transit gateway plans the far end', () => {
  /** sg-app refuses everything outbound: eni-a1's requests to 5432 are blocked on their way out. */
  const refuseOutbound: Edit = (s) => {
    s.SecurityGroups!.find((g) => g.GroupId === 'sg-app')!.IpPermissionsEgress = [];
  };
  /** sg-app lets everything out again (the fixture's own rule). */
  const aclEntries = (s: NetworkSnapshot, aclId: string) => s.NetworkAcls!.find((a) => a.NetworkAclId === aclId)!.Entries!;
  /** A deny at rule 200 of `aclId`'s inbound or outbound rules, for every address of `cidr`. */
  const denyAt =
    (aclId: string, egress: boolean, cidr: string): Edit =>
    (s) => {
      const entries = aclEntries(s, aclId);
      const open = entries.find((e) => e.RuleNumber === 100 && e.Egress === egress)!;
      open.RuleNumber = 300;
      entries.push({ RuleNumber: 200, Protocol: '-1', RuleAction: 'deny', Egress: egress, CidrBlock: cidr });
    };
  const sentByA1 = (): FlowAggregate =>
    flowAggregate({
      interfaceId: 'eni-a1',
      srcaddr: A1,
      dstaddr: SERVER['eni-c1']!,
      srcport: 40000,
      dstport: 5432,
      tcpFlags: 2,
      flowDirection: 'egress',
      records: 12,
      packets: 36,
      firstSeen: 0,
      lastSeen: 3600,
    });
  const ingressFromGroup = (peer: { GroupId: string } | { CidrIp: string }) =>
    expect.objectContaining({
      action: 'AuthorizeSecurityGroupIngress',
      params: {
        GroupId: 'sg-db',
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            ...('GroupId' in peer ? { UserIdGroupPairs: [expect.objectContaining(peer)] } : { IpRanges: [expect.objectContaining(peer)] }),
          }),
        ],
      },
    });

  it('an egress fix at eni-a1 also opens sg-db inbound from sg-app, the reference matching through tgw-1, and says so', () => {
    const finding = onlyRule(diagnose(snapshotOf([refuseOutbound]), [sentByA1()]).findings);
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] });
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress']);
    expect(finding.suggestedFix!.changes[1]).toEqual(ingressFromGroup({ GroupId: 'sg-app' }));
    expect(finding.alsoBlockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }]);
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });

  it("the gateway not resolving references: the far end's rule names eni-a1's address", () => {
    const finding = onlyRule(diagnose(snapshotOf([refuseOutbound, setGateway('tgw-1', disable)]), [sentByA1()]).findings);
    expect(finding.suggestedFix!.changes[1]).toEqual(ingressFromGroup({ CidrIp: `${A1}/32` }));
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });

  it("eni-c1's subnet NACL refusing the request and the reply gets an entry each, before its denies", () => {
    const snapshot = snapshotOf([refuseOutbound, denyAt('acl-c', false, '10.0.0.0/16'), denyAt('acl-c', true, '10.0.0.0/16')]);
    const finding = onlyRule(diagnose(snapshot, [sentByA1()]).findings);
    const entries = finding.suggestedFix!.changes.filter((c) => c.action === 'CreateNetworkAclEntry');
    expect(entries).toEqual([
      tcpAllowEntry('acl-c', false, 10, `${A1}/32`, [5432, 5432]),
      tcpAllowEntry('acl-c', true, 10, `${A1}/32`, [32768, 60999]),
    ]);
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });

  it("a REJECT logged at eni-c1 inbound also opens eni-a1's subnet NACL to the reply", () => {
    const snapshot = snapshotOf([denyAt('acl-a', false, '10.2.0.0/16')]);
    const finding = onlyRule(diagnose(snapshot, [refused(A1, 'eni-c1')]).findings);
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] });
    expect(finding.suggestedFix!.changes.slice(1)).toEqual([tcpAllowEntry('acl-a', false, 10, `${SERVER['eni-c1']}/32`, [32768, 60999])]);
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });

  it("the attachment's own subnet in vpc-c refusing what the gateway delivers is named at the far end, not guessed at", () => {
    const snapshot = snapshotOf([
      refuseOutbound,
      (s) => {
        s.SecurityGroups!.find((g) => g.GroupId === 'sg-db')!.IpPermissions = [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: `${A1}/32` }] },
        ];
        s.Subnets!.push({ SubnetId: 'subnet-c-tgw', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.9.0/24' });
        s.NetworkAcls!.push({
          NetworkAclId: 'acl-c-tgw',
          VpcId: 'vpc-c',
          IsDefault: false,
          Associations: [{ SubnetId: 'subnet-c-tgw', NetworkAclId: 'acl-c-tgw' }],
          Entries: [
            { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
          ],
        });
        attachmentOf(s, 'tgw-attach-c1').SubnetIds = ['subnet-c-tgw'];
      },
    ]);
    const finding = onlyRule(diagnose(snapshot, [sentByA1()]).findings);
    expect(finding.alsoBlockedBy).toEqual([{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 }]);
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
    expect(finding.suggestedFix!.verified).toBe(false);
    expect(finding.suggestedFix!.risks).toContainEqual(
      expect.objectContaining({
        kind: 'far-end-blocked',
        controls: [{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 }],
      }),
    );
  });

  it('the attachment subnets in appliance mode, one refusing and one passing: the far end is undecided, naming the NACL', () => {
    const snapshot = snapshotOf([
      refuseOutbound,
      (s) => {
        s.SecurityGroups!.find((g) => g.GroupId === 'sg-db')!.IpPermissions = [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: `${A1}/32` }] },
        ];
        s.Subnets!.push(
          { SubnetId: 'subnet-c-tgw', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.9.0/24' },
          { SubnetId: 'subnet-c-tgw2', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.10.0/24' },
        );
        s.NetworkAcls!.push({
          NetworkAclId: 'acl-c-tgw',
          VpcId: 'vpc-c',
          IsDefault: false,
          Associations: [{ SubnetId: 'subnet-c-tgw', NetworkAclId: 'acl-c-tgw' }],
          Entries: [{ RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' }],
        });
        Object.assign(attachmentOf(s, 'tgw-attach-c1'), {
          SubnetIds: ['subnet-c-tgw', 'subnet-c-tgw2'],
          Options: { SecurityGroupReferencingSupport: 'enable', ApplianceModeSupport: 'enable' },
        });
      },
    ]);
    const finding = onlyRule(diagnose(snapshot, [sentByA1()]).findings);
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
    expect(finding.suggestedFix!.verified).toBe(true);
    expect(finding.suggestedFix!.risks).toContainEqual(
      expect.objectContaining({
        kind: 'far-end-undecided',
        networkAclIds: ['acl-c-tgw'],
        message: expect.stringContaining('appliance mode'),
      }),
    );
  });

  it("the logged side's change alone is not verified while sg-db across the gateway refuses", () => {
    const snapshot = snapshotOf([refuseOutbound]);
    const model = NetworkModel.fromSnapshot(snapshot);
    const flow = sentByA1();
    const [group] = groupBlockedFlows([{ flow, verdict: explainFlow(model, flow) }]);
    const egress: FixChange = {
      action: 'AuthorizeSecurityGroupEgress',
      params: {
        GroupId: 'sg-app',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.2.1.50/32' }] }],
      },
    };
    const verdict = createFixVerifier(snapshot, {}, model)([egress], group!);
    expect(verdict.verified).toBe(false);
    expect(verdict.risks).toContainEqual(
      expect.objectContaining({
        kind: 'far-end-blocked',
        controls: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }],
      }),
    );
  });

  it("no route back through a gateway both VPCs are attached to: no far end, the logged side's fix alone", () => {
    const edits: Edit[] = [refuseOutbound, dropAttachment('tgw-attach-c1')];
    const finding = onlyRule(diagnose(snapshotOf(edits), [sentByA1()]).findings);
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
  });
});

function tcpAllowEntry(NetworkAclId: string, Egress: boolean, RuleNumber: number, CidrBlock: string, ports: [number, number]): FixChange {
  return {
    action: 'CreateNetworkAclEntry',
    params: {
      NetworkAclId,
      RuleNumber,
      Protocol: '6',
      RuleAction: 'allow',
      Egress,
      CidrBlock,
      PortRange: { From: ports[0], To: ports[1] },
    },
  };
}
