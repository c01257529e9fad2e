import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
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
    expect(finding.suggestedFix!.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
    expect(finding.suggestedFix!.verified).toBe(true);
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
