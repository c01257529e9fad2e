import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { whoCanReach } from '../../../../src/engine/path/who-can-reach';
import type { PathHop } from '../../../../src/engine/path/path-result';
import type { NetworkAclEntry, NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import { transitGatewaySnapshot } from '../../../support/factories/transit-gateway-snapshot';

/*
 * Network ACLs of a subnet that holds a transit gateway's VPC attachment (AWS Transit Gateways
 * Guide, "Network ACLs for transit gateways"), when an instance sits in that same subnet:
 *  - traffic from the instances to the transit gateway: the outbound rules are evaluated with the
 *    destination address, and the inbound rules with the SOURCE address (the instance's own);
 *  - traffic from the transit gateway to the instances: neither inbound nor outbound rules are
 *    evaluated.
 * Instances in other subnets than the attachment's keep the usual evaluation of their own subnet's
 * NACL. Over transitGatewaySnapshot: eni-c1 (10.2.1.50, subnet-c) and eni-c2 (10.2.2.50,
 * subnet-c2) in vpc-c, eni-a1 (10.0.1.10) in vpc-a; vpc-c's main table sends vpc-a's block to
 * tgw-1, subnet-c2's table to tgw-2; sg-db admits 5432 from sg-app through tgw-1.
 */

const acl = (inbound: NetworkAclEntry[], outbound: NetworkAclEntry[] = []): NetworkAclEntry[] => [
  ...inbound.map((e) => ({ ...e, Egress: false })),
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
  ...outbound.map((e) => ({ ...e, Egress: true })),
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
];
const allowFrom = (CidrBlock: string, RuleNumber = 100): NetworkAclEntry => ({
  RuleNumber,
  Protocol: '-1',
  RuleAction: 'allow',
  Egress: false,
  CidrBlock,
});

/** The estate with vpc-c's NACL `entries` and tgw-1's attachment of vpc-c in `attachmentSubnets`. */
function estate(entries: NetworkAclEntry[], attachmentSubnets: string[] = ['subnet-c']): NetworkSnapshot {
  const s = transitGatewaySnapshot();
  s.NetworkAcls!.find((a) => a.NetworkAclId === 'acl-c')!.Entries = entries;
  s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === 'tgw-attach-c1')!.SubnetIds = attachmentSubnets;
  return s;
}

/** eni-c1's database answers and is asked from eni-a1 (vpc-a, through tgw-1). */
const request = (fields: Partial<FlowAggregate> = {}): FlowAggregate =>
  flowAggregate({
    interfaceId: 'eni-c1',
    srcaddr: '10.0.1.10',
    dstaddr: '10.2.1.50',
    srcport: 40000,
    dstport: 5432,
    tcpFlags: 2,
    ...fields,
  });
const reply = (fields: Partial<FlowAggregate> = {}): FlowAggregate =>
  flowAggregate({
    interfaceId: 'eni-c1',
    srcaddr: '10.2.1.50',
    dstaddr: '10.0.1.10',
    srcport: 5432,
    dstport: 40000,
    tcpFlags: 18,
    ...fields,
  });

function both(snapshot: NetworkSnapshot, flow: FlowAggregate) {
  const verdict = explainFlow(NetworkModel.fromSnapshot(snapshot), flow);
  const reference = referenceExplainFlow(snapshot, flow);
  expect({ verdict: reference.verdict, blockedBy: reference.blockedBy }).toEqual({
    verdict: verdict.verdict,
    blockedBy: verdict.blockedBy,
  });
  return verdict;
}

describe('NACL of a transit gateway attachment subnet that holds the instance', () => {
  it('what the transit gateway delivers to an instance in its attachment subnet meets no NACL rule', () => {
    // acl-c admits nothing from vpc-a: it would refuse the request, were it evaluated.
    const verdict = both(estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')])), request());
    expect(verdict.verdict).toBe('allowed');
    expect(verdict.blockedBy).toEqual([]);
  });

  it('an instance in another subnet than the attachment keeps its subnet NACL inbound', () => {
    const verdict = both(estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]), ['subnet-c2']), request());
    expect(verdict.verdict).toBe('blocked');
    expect(verdict.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 }]);
  });

  it('without route tables the path through the gateway is not known: the NACL is evaluated as before', () => {
    const s = estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]));
    delete s.RouteTables;
    expect(both(s, request()).verdict).not.toBe('allowed');
  });

  it('what an instance sends to the gateway from its attachment subnet meets the inbound rules by its own address too', () => {
    // Outbound everything is allowed; inbound admits vpc-a only, not the instance's own 10.2.1.50.
    const verdict = both(estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')])), reply());
    expect(verdict.verdict).toBe('blocked');
    expect(verdict.returnTraffic).toBe(true);
    expect(verdict.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 }]);
    expect(verdict.reason).toContain('10.2.1.50');
  });

  it('both rule sets refusing are both named, outbound first', () => {
    const verdict = both(estate(acl([allowFrom('10.0.0.0/16')], [])), reply());
    expect(verdict.blockedBy).toEqual([
      { control: 'network-acl', direction: 'egress', networkAclId: 'acl-c', ruleNumber: 32767 },
      { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 },
    ]);
  });

  it('inbound rules that admit the instance let what it sends through', () => {
    const verdict = both(estate(acl([allowFrom('10.2.1.0/24')], [allowFrom('0.0.0.0/0')])), reply());
    expect(verdict.verdict).toBe('allowed');
  });
});

describe('fixes for the inbound rules a transit gateway attachment applies to what the instance sends', () => {
  it('the entry admits the instance by its own address, on the ports the packets go to, and is verified', () => {
    const flows = [
      reply({ records: 40, packets: 120, lastSeen: 7200, servicePortSide: 'src', ephemeralPortMin: 40000, ephemeralPortMax: 41000 }),
    ];
    const { findings } = diagnose(estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')])), flows);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.blockedBy).toEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 });
    expect(finding.suggestedFix!.changes).toEqual([
      expect.objectContaining({
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({ NetworkAclId: 'acl-c', Egress: false, CidrBlock: '10.2.1.50/32', Protocol: '6' }),
      }),
    ]);
    const range = finding.suggestedFix!.changes[0].params.PortRange as { From: number; To: number };
    expect(range.From).toBeLessThanOrEqual(40000);
    expect(range.To).toBeGreaterThanOrEqual(41000);
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('replies of requests through a transit gateway attached in the subnet', () => {
  const repeated = { records: 40, packets: 120, lastSeen: 7200 };

  it("a request the gateway delivers needs its reply admitted by the inbound rules at the instance's own address", () => {
    // sg-db admits nothing: the request is refused by the group; acl-c lets everything out but
    // admits only vpc-a inbound, so the reply to the gateway would meet rule 32767 by 10.2.1.50.
    const s = estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')]));
    s.SecurityGroups!.find((g) => g.GroupId === 'sg-db')!.IpPermissions = [];
    const flows = [request({ ...repeated, servicePortSide: 'dst', ephemeralPortMin: 40000, ephemeralPortMax: 41000 })];
    const [finding] = diagnose(s, flows).findings;
    expect(finding.blockedBy).toMatchObject({ control: 'security-group', direction: 'ingress' });
    const nacl = finding.suggestedFix!.changes.filter((c) => c.action === 'CreateNetworkAclEntry');
    expect(nacl).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ NetworkAclId: 'acl-c', Egress: false, CidrBlock: '10.2.1.50/32' }) }),
    ]);
    expect(finding.suggestedFix!.verified).toBe(true);
  });

  it('a request sent to the gateway needs no inbound entry for the reply the gateway delivers', () => {
    // acl-c admits inbound only the instance's own subnet: the replies from vpc-a would be refused
    // were they evaluated; the request itself passes (out to anyone, in by 10.2.1.50).
    const s = estate(acl([allowFrom('10.2.1.0/24')], [allowFrom('0.0.0.0/0')]));
    const flows = [
      flowAggregate({
        ...repeated,
        interfaceId: 'eni-c1',
        srcaddr: '10.2.1.50',
        dstaddr: '10.0.1.10',
        srcport: 40000,
        dstport: 443,
        tcpFlags: 2,
        servicePortSide: 'dst',
        ephemeralPortMin: 40000,
        ephemeralPortMax: 41000,
      }),
    ];
    const [finding] = diagnose(s, flows).findings;
    expect(finding.blockedBy).toMatchObject({ control: 'security-group', direction: 'egress' });
    // No NACL entry; the far end across tgw-1 (sg-app admits nothing inbound) is opened to eni-c1's group.
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress']);
    expect(finding.suggestedFix!.changes[1]!.params).toMatchObject({
      GroupId: 'sg-app',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, UserIdGroupPairs: [expect.objectContaining({ GroupId: 'sg-db' })] }],
    });
    expect(finding.suggestedFix!.verified).toBe(true);
  });
});

describe('the far end of a fix across a transit gateway attached in the peer subnet', () => {
  it("an egress fix at eni-a1 admits eni-c1's own address inbound for the replies it sends the gateway, and nothing for what the gateway delivers", () => {
    // acl-c admits inbound only vpc-a's block: what tgw-1 delivers meets no rule, the replies
    // eni-c1 sends it meet the inbound rules by 10.2.1.50 and are refused.
    const s = estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')]));
    s.SecurityGroups!.find((g) => g.GroupId === 'sg-app')!.IpPermissionsEgress = [];
    const flow = flowAggregate({
      records: 40,
      packets: 120,
      lastSeen: 7200,
      interfaceId: 'eni-a1',
      srcaddr: '10.0.1.10',
      dstaddr: '10.2.1.50',
      srcport: 40000,
      dstport: 5432,
      tcpFlags: 2,
      flowDirection: 'egress',
    });
    const [finding] = diagnose(s, [flow]).findings;
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-app'] });
    expect(finding.alsoBlockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 }]);
    const entries = finding.suggestedFix!.changes.filter((c) => c.action === 'CreateNetworkAclEntry');
    expect(entries).toEqual([
      expect.objectContaining({
        params: expect.objectContaining({
          NetworkAclId: 'acl-c',
          Egress: false,
          CidrBlock: '10.2.1.50/32',
          PortRange: { From: 32768, To: 60999 },
        }),
      }),
    ]);
    expect(finding.suggestedFix!.verified, JSON.stringify(finding.suggestedFix!.risks)).toBe(true);
  });
});

describe('why: the NACL of a transit gateway attachment subnet on the path', () => {
  const hopsOf = (snapshot: NetworkSnapshot, from: string, to: string, port: number) => {
    const result = analyzePath(NetworkModel.fromSnapshot(snapshot), parsePathQuery({ from, to, protocol: 'tcp', port }));
    const line = (h: PathHop) => `${h.hop} ${h.direction} ${h.interfaceId} ${h.verdict}`;
    return { result, hops: result.hops.map(line), reply: result.reply.hops.map(line) };
  };

  it('the request the gateway delivers to the attachment subnet skips its NACL, and the reply out meets the inbound rules by its source', () => {
    // acl-c admits inbound only 10.2.0.0/16 and lets everything out: by the instance's own
    // address, the reply to the gateway passes; what the gateway delivers is not judged at all.
    const { result, hops, reply } = hopsOf(estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')])), 'eni-a1', 'eni-c1', 5432);
    expect(hops).toContain('network-acl ingress eni-c1 skipped');
    expect(reply).toEqual(expect.arrayContaining(['network-acl egress eni-c1 allow', 'network-acl ingress eni-c1 allow']));
    expect(result.verdict).toBe('allowed');
  });

  it('the inbound rules refusing the instance’s own address refuse what it sends to the gateway', () => {
    const { result, hops } = hopsOf(estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')])), 'eni-c1', 'eni-a1', 443);
    expect(hops.filter((h) => h.startsWith('network-acl') && h.includes('eni-c1'))).toEqual([
      'network-acl egress eni-c1 allow',
      'network-acl ingress eni-c1 deny',
    ]);
    expect(result.verdict).toBe('blocked');
    expect(result.blockedBy).toContainEqual({ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 });
  });
});

describe('why: fixes through a transit gateway attached in the subnet', () => {
  it('the path fix admits the instance by its own address inbound, and is verified', () => {
    const model = NetworkModel.fromSnapshot(estate(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')])));
    const result = explainPath(model, parsePathQuery({ from: 'eni-c1', to: 'eni-a1', protocol: 'tcp', port: 443 }));
    expect(result.verdict).toBe('blocked');
    const entries = result.suggestedFix!.changes.filter((c) => c.params.NetworkAclId === 'acl-c');
    expect(entries).toEqual([
      expect.objectContaining({
        params: expect.objectContaining({ Egress: false, CidrBlock: '10.2.1.50/32', PortRange: { From: 443, To: 443 } }),
      }),
    ]);
    expect(result.suggestedFix!.verified).toBe(true);
  });
});

describe('which attachment interface the gateway delivers through: the Availability Zone the traffic comes from', () => {
  /** tgw-1's attachment of vpc-c in subnet-c and subnet-c2; subnet zones as given. */
  function zoned(zones: Record<string, string | undefined>, appliance = false): NetworkSnapshot {
    const s = estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]), ['subnet-c', 'subnet-c2']);
    for (const subnet of s.Subnets!) {
      const zone = zones[subnet.SubnetId];
      if (zone) subnet.AvailabilityZoneId = zone;
    }
    if (appliance) {
      const attachment = s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === 'tgw-attach-c1')!;
      attachment.Options = { ...attachment.Options, ApplianceModeSupport: 'enable' };
    }
    return s;
  }

  it("from the instance's own zone: through its subnet's attachment interface, which no NACL rule sees", () => {
    const verdict = both(zoned({ 'subnet-a': 'use1-az1', 'subnet-c': 'use1-az1', 'subnet-c2': 'use1-az2' }), request());
    expect(verdict.verdict).toBe('allowed');
  });

  it("from another zone: through that zone's attachment subnet, and the instance's subnet NACL judges it coming in", () => {
    const verdict = both(zoned({ 'subnet-a': 'use1-az2', 'subnet-c': 'use1-az1', 'subnet-c2': 'use1-az2' }), request());
    expect(verdict.verdict).toBe('blocked');
    expect(verdict.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 }]);
  });

  it('zones the snapshot does not give leave a deny undecided', () => {
    const verdict = both(zoned({}), request());
    expect(verdict.verdict).toBe('unknown');
    expect(verdict.reason).toContain('Availability Zone');
  });

  it('appliance mode picks a zone per flow: undecided too', () => {
    const verdict = both(zoned({ 'subnet-a': 'use1-az1', 'subnet-c': 'use1-az1', 'subnet-c2': 'use1-az2' }, true), request());
    expect(verdict.verdict).toBe('unknown');
  });

  it('why: the same hop is skipped, judged or unknown', () => {
    const hop = (zones: Record<string, string | undefined>) =>
      analyzePath(
        NetworkModel.fromSnapshot(zoned(zones)),
        parsePathQuery({ from: 'eni-a1', to: 'eni-c1', protocol: 'tcp', port: 5432 }),
      ).hops.find((h) => h.hop === 'network-acl' && h.interfaceId === 'eni-c1')!.verdict;
    expect(hop({ 'subnet-a': 'use1-az1', 'subnet-c': 'use1-az1', 'subnet-c2': 'use1-az2' })).toBe('skipped');
    expect(hop({ 'subnet-a': 'use1-az2', 'subnet-c': 'use1-az1', 'subnet-c2': 'use1-az2' })).toBe('deny');
    expect(hop({})).toBe('unknown');
  });
});

describe("records the transit gateway's own interface captures", () => {
  /** The gateway's interface in subnet-c (no groups), beside eni-c1. */
  function withGatewayInterface(entries: NetworkAclEntry[]): NetworkSnapshot {
    const s = estate(entries);
    s.NetworkInterfaces!.push({
      NetworkInterfaceId: 'eni-tgw-c',
      SubnetId: 'subnet-c',
      VpcId: 'vpc-c',
      InterfaceType: 'transit_gateway',
      Description: 'Network Interface for Transit Gateway Attachment tgw-attach-c1',
      PrivateIpAddress: '10.2.1.200',
      Groups: [],
    });
    return s;
  }
  const atGateway = (fields: Partial<FlowAggregate>): FlowAggregate =>
    flowAggregate({ interfaceId: 'eni-tgw-c', srcport: 40000, dstport: 443, tcpFlags: 2, ...fields });

  it('what an instance of its subnet sends it meets the inbound rules by the source address', () => {
    const s = withGatewayInterface(acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')]));
    const verdict = both(s, atGateway({ flowDirection: 'ingress', srcaddr: '10.2.1.50', dstaddr: '10.0.1.10' }));
    expect(verdict.verdict).toBe('blocked');
    expect(verdict.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c', ruleNumber: 32767 }]);
  });

  it('what it delivers to an instance of its subnet meets no rule', () => {
    const s = withGatewayInterface(acl([allowFrom('10.0.0.0/16')], []));
    const verdict = both(s, atGateway({ flowDirection: 'egress', srcaddr: '10.0.1.10', dstaddr: '10.2.1.50' }));
    expect(verdict.verdict).toBe('allowed');
  });
});

/*
 * Instances in one subnet and the transit gateway's VPC attachment in another, each subnet with
 * its own NACL (Transit Gateways Guide, "Network ACLs for transit gateways", different subnets):
 * the attachment subnet's inbound rules judge what the instances send the gateway, by the source
 * address; its outbound rules judge what the gateway delivers to the instances, by the destination
 * address. Without appliance mode the gateway keeps traffic in the Availability Zone it comes from
 * ("Availability Zones"). Over transitGatewaySnapshot, with attachment subnets of their own:
 * subnet-a-tgw (10.0.9.0/28, acl-a-tgw) for tgw-attach-a1, subnet-c-tgw (10.2.9.0/28, acl-c-tgw)
 * and, when asked, subnet-c-tgw2 (10.2.9.16/28, acl-c-tgw2, in use1-az2) for tgw-attach-c1.
 */
describe('why: the NACLs of transit gateway attachment subnets apart from the instances', () => {
  const openEntries = () => acl([allowFrom('0.0.0.0/0')], [allowFrom('0.0.0.0/0')]);
  interface Attached {
    aTgw?: NetworkAclEntry[];
    cTgw?: NetworkAclEntry[];
    /** A second attachment subnet of vpc-c in use1-az2, with its own NACL. */
    cTgw2?: NetworkAclEntry[];
    zones?: boolean;
    appliance?: boolean;
  }
  function attachedApart(o: Attached = {}): NetworkSnapshot {
    const s = transitGatewaySnapshot();
    const zone = (SubnetId: string, AvailabilityZoneId: string) => {
      if (o.zones !== false) s.Subnets!.find((x) => x.SubnetId === SubnetId)!.AvailabilityZoneId = AvailabilityZoneId;
    };
    const subnet = (SubnetId: string, VpcId: string, CidrBlock: string, NetworkAclId: string, entries: NetworkAclEntry[]) => {
      s.Subnets!.push({ SubnetId, VpcId, OwnerId: '111111111111', CidrBlock });
      s.NetworkAcls!.push({ NetworkAclId, VpcId, IsDefault: false, Associations: [{ SubnetId, NetworkAclId }], Entries: entries });
    };
    subnet('subnet-a-tgw', 'vpc-a', '10.0.9.0/28', 'acl-a-tgw', o.aTgw ?? openEntries());
    subnet('subnet-c-tgw', 'vpc-c', '10.2.9.0/28', 'acl-c-tgw', o.cTgw ?? openEntries());
    const cSubnets = ['subnet-c-tgw'];
    if (o.cTgw2) {
      subnet('subnet-c-tgw2', 'vpc-c', '10.2.9.16/28', 'acl-c-tgw2', o.cTgw2);
      cSubnets.push('subnet-c-tgw2');
      zone('subnet-c-tgw2', 'use1-az2');
    }
    for (const id of ['subnet-a', 'subnet-a-tgw', 'subnet-c', 'subnet-c2', 'subnet-c-tgw']) zone(id, 'use1-az1');
    const attachment = (id: string) => s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === id)!;
    attachment('tgw-attach-a1').SubnetIds = ['subnet-a-tgw'];
    attachment('tgw-attach-c1').SubnetIds = cSubnets;
    if (o.appliance) attachment('tgw-attach-c1').Options = { ...attachment('tgw-attach-c1').Options, ApplianceModeSupport: 'enable' };
    return s;
  }
  const ask = (snapshot: NetworkSnapshot, from = 'eni-a1', to = 'eni-c1', port = 5432) =>
    explainPath(NetworkModel.fromSnapshot(snapshot), parsePathQuery({ from, to, protocol: 'tcp', port }));
  /** `network-acl ingress subnet-a-tgw acl-a-tgw allow`, `route egress - - allow` … */
  const lines = (hops: PathHop[]) =>
    hops.map((h) => [h.hop, h.direction, h.subnetId ?? h.interfaceId ?? '-', h.networkAclId ?? '-', h.verdict].join(' '));

  it('the request crosses the source attachment subnet inbound and the destination attachment subnet outbound; the reply the other way', () => {
    const result = ask(attachedApart());
    expect(lines(result.hops)).toEqual([
      'security-group egress eni-a1 - allow',
      'network-acl egress subnet-a acl-a allow',
      'route egress subnet-a - allow',
      'network-acl ingress subnet-a-tgw acl-a-tgw allow',
      'network-acl egress subnet-c-tgw acl-c-tgw allow',
      'network-acl ingress subnet-c acl-c allow',
      'security-group ingress eni-c1 - allow',
    ]);
    expect(lines(result.reply.hops)).toEqual([
      'network-acl egress subnet-c acl-c allow',
      'route egress subnet-c - allow',
      'network-acl ingress subnet-c-tgw acl-c-tgw allow',
      'network-acl egress subnet-a-tgw acl-a-tgw allow',
      'network-acl ingress subnet-a acl-a allow',
    ]);
    // The source's attachment subnet judges the request by its source, the destination's by its destination.
    expect(result.hops[3]).toMatchObject({ peer: '10.0.1.10', traffic: 'tcp/5432' });
    expect(result.hops[4]).toMatchObject({ peer: '10.2.1.50', traffic: 'tcp/5432' });
    expect(result.reply.hops[2]).toMatchObject({ peer: '10.2.1.50' });
    expect(result.reply.hops[3]).toMatchObject({ peer: '10.0.1.10' });
    expect(result.verdict).toBe('allowed');
  });

  it("the source attachment subnet's inbound rules refuse the sender: blocked there, and the fix admits it on that NACL", () => {
    const result = ask(attachedApart({ aTgw: acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]) }));
    expect(result.verdict).toBe('blocked');
    expect(result.hops[3]).toMatchObject({
      hop: 'network-acl',
      direction: 'ingress',
      subnetId: 'subnet-a-tgw',
      networkAclId: 'acl-a-tgw',
      verdict: 'deny',
      explanationCode: 'SUBNET_ACL_RESTRICTION',
    });
    expect(result.blockedBy).toEqual([{ control: 'network-acl', direction: 'ingress', networkAclId: 'acl-a-tgw', ruleNumber: 32767 }]);
    expect(result.suggestedFix!.changes).toEqual([
      expect.objectContaining({
        action: 'CreateNetworkAclEntry',
        params: expect.objectContaining({
          NetworkAclId: 'acl-a-tgw',
          Egress: false,
          CidrBlock: '10.0.1.10/32',
          PortRange: { From: 5432, To: 5432 },
        }),
      }),
    ]);
    expect(result.suggestedFix!.verified).toBe(true);
  });

  it("the destination attachment subnet's outbound rules refuse the destination: blocked there, and the fix lets it out of that NACL", () => {
    const result = ask(attachedApart({ cTgw: acl([allowFrom('0.0.0.0/0')], [allowFrom('10.2.2.0/24')]) }));
    expect(result.verdict).toBe('blocked');
    expect(result.hops[4]).toMatchObject({ subnetId: 'subnet-c-tgw', networkAclId: 'acl-c-tgw', verdict: 'deny' });
    expect(result.blockedBy).toEqual([{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 }]);
    const entries = result.suggestedFix!.changes.filter((c) => c.params.NetworkAclId === 'acl-c-tgw');
    expect(entries).toEqual([
      expect.objectContaining({
        params: expect.objectContaining({ Egress: true, CidrBlock: '10.2.1.50/32', PortRange: { From: 5432, To: 5432 } }),
      }),
    ]);
    expect(result.suggestedFix!.verified).toBe(true);
  });

  it('the reply meets the destination attachment subnet inbound by its source and the source attachment subnet outbound by its destination', () => {
    // acl-c-tgw admits inbound only vpc-a: the reply from 10.2.1.50 into the gateway is refused.
    const result = ask(attachedApart({ cTgw: acl([allowFrom('10.0.0.0/16')], [allowFrom('0.0.0.0/0')]) }));
    expect(result.hops.every((h) => h.verdict === 'allow')).toBe(true);
    expect(result.verdict).toBe('blocked');
    expect(result.reply.blockedBy).toEqual([
      { control: 'network-acl', direction: 'ingress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 },
    ]);
    expect(result.suggestedFix!.changes).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ NetworkAclId: 'acl-c-tgw', Egress: false, CidrBlock: '10.2.1.50/32' }) }),
    ]);
    expect(result.suggestedFix!.verified).toBe(true);
  });

  it("the reply leaving the gateway into the source's VPC meets its attachment subnet's outbound rules on the client's ports", () => {
    const result = ask(attachedApart({ aTgw: acl([allowFrom('0.0.0.0/0')], [{ ...allowFrom('10.2.0.0/16'), Egress: true }]) }));
    expect(result.reply.blockedBy).toEqual([{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-a-tgw', ruleNumber: 32767 }]);
    expect(result.reply.hops[3]).toMatchObject({ subnetId: 'subnet-a-tgw', traffic: 'tcp/32768-65535', verdict: 'deny' });
    expect(result.suggestedFix!.verified).toBe(true);
  });

  describe('which of several attachment subnets carries the traffic', () => {
    // acl-c-tgw (use1-az1) lets nothing out; acl-c-tgw2 (use1-az2) is open.
    const split = (o: Attached = {}) => attachedApart({ cTgw: acl([allowFrom('0.0.0.0/0')], []), cTgw2: openEntries(), ...o });
    const delivering = (result: ReturnType<typeof ask>) =>
      result.hops.filter((h) => h.hop === 'network-acl' && h.direction === 'egress').at(-1)!;

    it("without appliance mode, the one in the zone the traffic comes from: the source's zone use1-az1 refuses", () => {
      const result = ask(split());
      expect(delivering(result)).toMatchObject({ subnetId: 'subnet-c-tgw', networkAclId: 'acl-c-tgw', verdict: 'deny' });
      expect(result.verdict).toBe('blocked');
      expect(result.blockedBy).toEqual([{ control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 }]);
    });

    it("from use1-az2, through that zone's open attachment subnet", () => {
      const s = split();
      s.Subnets!.find((x) => x.SubnetId === 'subnet-a')!.AvailabilityZoneId = 'use1-az2';
      s.Subnets!.find((x) => x.SubnetId === 'subnet-a-tgw')!.AvailabilityZoneId = 'use1-az2';
      const result = ask(s);
      expect(delivering(result)).toMatchObject({ subnetId: 'subnet-c-tgw2', networkAclId: 'acl-c-tgw2', verdict: 'allow' });
    });

    it('appliance mode: the gateway picks one for the flow, so a deny of one of them is unknown, with what is not known', () => {
      const result = ask(split({ appliance: true }));
      const hop = delivering(result);
      expect(hop.verdict).toBe('unknown');
      expect(hop.explanationCode).toBeNull();
      expect(hop.reason).toContain('appliance mode');
      expect(hop.reason).toContain('subnet-c-tgw2');
      expect(result.verdict).toBe('unknown');
      expect(result.blockedBy).toEqual([]);
    });

    it('zones the snapshot does not give: unknown too', () => {
      const result = ask(split({ zones: false }));
      expect(delivering(result).verdict).toBe('unknown');
      expect(delivering(result).reason).toContain('Availability Zone');
      expect(result.verdict).toBe('unknown');
    });

    it('appliance mode with every candidate refusing: blocked, each NACL named, and the fix opens each', () => {
      const result = ask(split({ appliance: true, cTgw2: acl([allowFrom('0.0.0.0/0')], []) }));
      expect(result.verdict).toBe('blocked');
      expect(result.blockedBy).toEqual([
        { control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw', ruleNumber: 32767 },
        { control: 'network-acl', direction: 'egress', networkAclId: 'acl-c-tgw2', ruleNumber: 32767 },
      ]);
      const acls = result.suggestedFix!.changes.filter((c) => c.params.Egress === true).map((c) => c.params.NetworkAclId);
      expect(acls.sort()).toEqual(['acl-c-tgw', 'acl-c-tgw2']);
      expect(result.suggestedFix!.verified).toBe(true);
    });

    it('appliance mode with every candidate allowing: allowed', () => {
      expect(ask(split({ appliance: true, cTgw: openEntries() })).verdict).toBe('allowed');
    });
  });

  it("with the gateway's interface in the attachment subnet listed, the hop names it and the fix is verified", () => {
    const s = attachedApart({ aTgw: acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]) });
    s.NetworkInterfaces!.push({
      NetworkInterfaceId: 'eni-tgw-a',
      SubnetId: 'subnet-a-tgw',
      VpcId: 'vpc-a',
      InterfaceType: 'transit_gateway',
      Description: 'Network Interface for Transit Gateway Attachment tgw-attach-a1',
      PrivateIpAddress: '10.0.9.5',
      Groups: [],
    });
    const result = ask(s);
    expect(result.hops[3]).toMatchObject({ interfaceId: 'eni-tgw-a', subnetId: 'subnet-a-tgw', verdict: 'deny' });
    expect(result.suggestedFix!.verified).toBe(true);
  });

  it("an attachment with no subnet in the source's zone: the VPC forwards nothing to the gateway there, and the hop is unknown", () => {
    const s = attachedApart();
    s.Subnets!.find((x) => x.SubnetId === 'subnet-a-tgw')!.AvailabilityZoneId = 'use1-az2';
    const result = ask(s);
    expect(result.hops[3]).toMatchObject({ hop: 'network-acl', direction: 'ingress', verdict: 'unknown' });
    expect(result.hops[3].reason).toContain('no subnet in use1-az1');
    expect(result.verdict).toBe('unknown');
  });

  it('an instance in the attachment subnet itself keeps the same-subnet rules: no hop of another subnet', () => {
    const s = attachedApart();
    s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === 'tgw-attach-c1')!.SubnetIds = ['subnet-c'];
    const result = ask(s);
    expect(lines(result.hops)).toContain('network-acl ingress subnet-c - skipped');
    expect(result.hops.some((h) => h.subnetId === 'subnet-c-tgw')).toBe(false);
  });
});

describe('why --who: sources a transit gateway delivers through the destination subnet’s own attachment', () => {
  /** sg-db admits 5432 from `cidr` (vpc-a's side of tgw-1); acl-c admits inbound only vpc-c. */
  function admitting(cidr: string, attachmentSubnets: string[] = ['subnet-c']): NetworkModel {
    const s = estate(acl([allowFrom('10.2.0.0/16')], [allowFrom('0.0.0.0/0')]), attachmentSubnets);
    s.SecurityGroups!.find((g) => g.GroupId === 'sg-db')!.IpPermissions = [
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: cidr }] },
    ];
    return NetworkModel.fromSnapshot(s);
  }
  const sourceOf = (model: NetworkModel) => whoCanReach(model, { to: 'eni-c1', protocol: 6, port: 5432 }).sources[0];

  it.each(['10.0.1.10/32', '10.0.0.0/16'])('are not judged by the destination subnet’s inbound rules (%s)', (cidr) => {
    const source = sourceOf(admitting(cidr));
    expect(source.verdict).toBe('allowed');
    expect(source.blocks[0].nacl.verdict).toBe('skipped');
    expect(source.blocks[0].nacl.reason).toContain('tgw-1');
  });

  it('where the snapshot cannot tell the attachment interface, a deny is unknown', () => {
    const source = sourceOf(admitting('10.0.1.10/32', ['subnet-c', 'subnet-c2']));
    expect(source.blocks[0].nacl.verdict).toBe('unknown');
    expect(source.blocks[0].nacl.reason).toContain('Availability Zone');
    expect(source.verdict).toBe('unknown');
  });

  it('a block the route table sends only partly to the gateway: a deny is unknown', () => {
    // 10.0.0.0/8 holds vpc-a's block (to tgw-1) and vpc-c's own (local).
    const source = sourceOf(admitting('10.0.0.0/8'));
    expect(source.blocks[0].nacl.verdict).toBe('unknown');
  });

  it('an instance apart from the attachment keeps its inbound rules', () => {
    expect(sourceOf(admitting('10.0.1.10/32', ['subnet-c2'])).verdict).toBe('refused');
  });
});
