import { describe, expect, it, vi } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { FIX_SCOPE, natGatewayRequested } from '../../../../src/engine/fixes/fix-scope';
import { peerSourcesOf } from '../../../../src/engine/fixes/peer-sources.util';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';
import { APP1, WEB1, baseWorld, natGatewayEni, retries, runDiagnose, tcp } from '../../../support/factories/scenario-network';

const T0 = 1_700_000_000;
const PORT = 8443;

/** A request to eni-app's closed port 8443 from `srcaddr`. */
function probe(srcaddr: string, fields: Partial<FlowAggregate> = {}): FlowAggregate {
  return flowOf({
    srcaddr,
    dstaddr: '10.1.10.11',
    srcport: 40000,
    dstport: PORT,
    servicePortSide: 'dst',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 40000,
    records: 2,
    packets: 2,
    bytes: 120,
    firstSeen: T0,
    lastSeen: T0,
    ...fields,
  });
}

/** Internet addresses in as many /16s as asked: no CIDR cover short of the world holds them. */
const scanners = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${11 + (i % 80)}.${(i * 7) % 256}.${i % 200}.${1 + (i % 250)}`);

/** Two peers of eni-app's own tier that retry for an hour (the legitimate clients). */
const clients = (): FlowAggregate[] => ['10.1.10.12', '10.1.10.13'].map((a) => probe(a, { records: 12, packets: 36, lastSeen: T0 + 3600 }));

/** Another peer was accepted on the same service: evidence for a misconfiguration that ties with the scanners' noise. */
const accepted = (): FlowAggregate => ({ ...probe('10.1.10.50'), action: 'ACCEPT', records: 5, packets: 20 });

const peerSources = (changes: FixChange[]): string[] =>
  changes.flatMap((c) => {
    const p = c.params as {
      IpPermissions?: Array<{
        IpRanges?: Array<{ CidrIp: string }>;
        Ipv6Ranges?: Array<{ CidrIpv6: string }>;
        UserIdGroupPairs?: Array<{ GroupId: string }>;
      }>;
      CidrBlock?: string;
    };
    return [
      ...(p.IpPermissions ?? []).flatMap((perm) => [
        ...(perm.IpRanges ?? []).map((r) => r.CidrIp),
        ...(perm.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
        ...(perm.UserIdGroupPairs ?? []).map((g) => g.GroupId),
      ]),
      ...(p.CidrBlock ? [p.CidrBlock] : []),
    ];
  });

function findingOnPort(flows: FlowAggregate[], snapshot: NetworkSnapshot = hardeningSnapshot): Finding {
  const { findings } = diagnose(snapshot, flows);
  const found = findings.find((f) => f.traffic.port === PORT && f.traffic.direction === 'ingress' && !f.traffic.returnTraffic);
  if (!found) throw new Error('no finding on the port');
  return found;
}

describe('a fix opens only to peers whose own behaviour is legitimate', () => {
  it('an uncertain finding of two internal clients and 200 internet scanners: the fix covers the clients only', () => {
    const finding = findingOnPort([...clients(), ...scanners(200).map((a) => probe(a)), accepted()]);
    expect(finding.classification).toBe('uncertain');
    expect(finding.traffic.peerCount ?? finding.traffic.peers.length).toBe(202);
    const fix = finding.suggestedFix;
    expect(fix).not.toBeNull();
    expect(fix?.verified).toBe(true);
    const sources = peerSources(fix?.changes ?? []);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source.startsWith('sg-') || source.startsWith('10.')).toBe(true);
    expect(finding.fixNote).toMatchObject({ reason: 'suspect-peers-left-out', excludedPeers: 200 });
    expect(finding.fixNote?.examples.length).toBeGreaterThan(0);
    expect(finding.fixNote?.examples.length).toBeLessThanOrEqual(5);
  });

  it('internet sources that sweep or scan never reach a rule finding or its fix: they are campaigns, without a fix', () => {
    // Scanners that retry and sweep ten of eni-app's addresses, to a port sg-app opens to one
    // other peer that was accepted: the evidence would tie, but a sweeping source is a campaign.
    const snapshot = structuredClone(hardeningSnapshot);
    snapshot.SecurityGroups?.find((g) => g.GroupId === 'sg-app')?.IpPermissions?.push({
      IpProtocol: 'tcp',
      FromPort: PORT,
      ToPort: PORT,
      IpRanges: [{ CidrIp: '10.1.10.50/32' }],
    });
    const sweepers = scanners(214);
    const sweep = sweepers.flatMap((a) =>
      Array.from({ length: FIX_SCOPE.sweepMinHosts }, (_, k) =>
        probe(a, { dstaddr: `10.1.10.${64 + k}`, records: 2, packets: 4, lastSeen: T0 + 3600 }),
      ),
    );
    const { findings } = diagnose(snapshot, [...sweep, accepted()]);
    expect(findings.filter((f) => f.kind === 'rule' && f.traffic.port === PORT)).toEqual([]);
    const campaigns = findings.filter((f) => f.kind === 'campaign');
    expect(campaigns.length).toBeGreaterThan(0);
    for (const campaign of campaigns) expect(campaign.suggestedFix).toBeNull();
    // Every sweeper is in a campaign (a campaign lists its busiest sources and counts them all).
    expect(campaigns.reduce((sum, c) => sum + (c.campaign?.sourceCount ?? 0), 0)).toBe(sweepers.length);
  });

  it('a port scanner that also retries on the service is kept out of the finding and its fix', () => {
    const scanner = '203.0.113.77';
    const scan = Array.from({ length: FIX_SCOPE.scanMinPorts }, (_, i) =>
      probe(scanner, { dstport: 2000 + i, records: 3, packets: 9, lastSeen: T0 + 3600 }),
    );
    const { findings } = diagnose(hardeningSnapshot, [
      ...clients(),
      probe(scanner, { records: 3, packets: 9, lastSeen: T0 + 3600 }),
      ...scan,
    ]);
    const finding = findings.find((f) => f.kind === 'rule' && f.traffic.port === PORT && f.traffic.direction === 'ingress');
    expect(finding?.traffic.peers.map((p) => p.address)).not.toContain(scanner);
    expect(finding?.suggestedFix?.verified).toBe(true);
    for (const source of peerSources(finding?.suggestedFix?.changes ?? [])) expect(source).not.toContain('203.0.113');
    const campaign = findings.find((f) => f.kind === 'campaign' && f.campaign?.sources.some((source) => source.address === scanner));
    expect(campaign?.suggestedFix).toBeNull();
  });

  it('internet clients that retry over time are legitimate: no peer is left out', () => {
    const internet = ['198.51.100.7', '198.51.100.9'].map((a) => probe(a, { records: 6, packets: 18, lastSeen: T0 + 3600 }));
    const finding = findingOnPort(internet);
    expect(finding.fixNote).toBeUndefined();
    expect(peerSources(finding.suggestedFix?.changes ?? [])).toEqual(['198.51.100.0/28']);
  });

  it(`never proposes more than ${FIX_SCOPE.maxPeerSources} peer sources in one fix`, () => {
    // Retrying internet clients spread over many /16s: each needs its own CIDR.
    const many = scanners(FIX_SCOPE.maxPeerSources + 5).map((a) => probe(a, { records: 6, packets: 18, lastSeen: T0 + 3600 }));
    const finding = findingOnPort(many);
    expect(finding.suggestedFix).toBeNull();
    expect(finding.fixNote).toMatchObject({ reason: 'too-many-peers', excludedPeers: 0 });
    expect(finding.fixNote?.message).toContain(String(FIX_SCOPE.maxPeerSources));
  });

  it('the bound holds whatever the mix (many findings)', () => {
    let checked = 0;
    for (const [legit, suspects] of [
      [1, 3],
      [3, 0],
      [3, 40],
      [FIX_SCOPE.maxPeerSources + 2, 10],
    ] as const) {
      const good = scanners(legit).map((a) => probe(a, { records: 6, packets: 18, lastSeen: T0 + 3600 }));
      const bad = scanners(200)
        .slice(100, 100 + suspects)
        .map((a) => probe(a));
      const finding = findingOnPort([...good, ...bad, accepted()]);
      if (finding.classification === 'likely-noise') continue;
      expect(peerSources(finding.suggestedFix?.changes ?? []).length).toBeLessThanOrEqual(FIX_SCOPE.maxPeerSources);
      if (suspects > 0) expect(finding.fixNote?.excludedPeers).toBe(suspects);
      checked++;
    }
    expect(checked).toBe(4);
  });

  it('a control only the suspects met is not changed: the fix stays for the legitimate peer', () => {
    // eni-db calls port 8443: sg-db refuses every peer; acl-db lets it out only to the app
    // subnet, so only the port scanner's flow is also denied by the NACL.
    const scanner = '203.0.113.5';
    const call = (dstaddr: string): FlowAggregate =>
      flowOf({
        interfaceId: 'eni-db',
        srcaddr: '10.1.20.10',
        dstaddr,
        srcport: 40000,
        dstport: PORT,
        servicePortSide: 'dst',
        ephemeralPortMin: 40000,
        ephemeralPortMax: 40000,
        records: 6,
        packets: 18,
        firstSeen: T0,
        lastSeen: T0 + 3600,
      });
    const scan = Array.from({ length: FIX_SCOPE.scanMinPorts }, (_, i) => probe(scanner, { dstport: 3000 + i }));
    const { findings } = diagnose(hardeningSnapshot, [call('10.1.10.12'), call(scanner), ...scan]);
    const finding = findings.find((f) => f.traffic.direction === 'egress' && f.traffic.port === PORT);
    // acl-db's deny met the scanner's flow only; the legitimate peer's own groups refuse 8443 inbound (the far end).
    expect(finding?.alsoBlockedBy?.map((c) => c.control)).toEqual(['network-acl', 'security-group']);
    expect(finding?.fixNote).toMatchObject({ reason: 'suspect-peers-left-out', excludedPeers: 1, examples: [scanner] });
    expect(finding?.suggestedFix?.verified).toBe(true);
    const sources = peerSourcesOf(finding?.suggestedFix?.changes ?? []);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source).not.toContain('203.0.113');
  });

  it("many peers of one subnet, each in a group of its own, get the subnet's CIDR rather than no fix", () => {
    // More groups than a fix may name: the peers are then covered by address instead, which the
    // subnet's block does in one source (DESIGN.md: "a subnet's CIDR when they are many in one subnet").
    const count = FIX_SCOPE.maxPeerSources + 5;
    const peers = Array.from({ length: count }, (_, i) => ({ address: `10.1.10.${150 + i}`, group: `sg-tier${i}` }));
    const snapshot: NetworkSnapshot = {
      ...hardeningSnapshot,
      SecurityGroups: [
        ...(hardeningSnapshot.SecurityGroups ?? []),
        ...peers.map(({ group }) => ({ GroupId: group, GroupName: group, VpcId: 'vpc-1', IpPermissions: [], IpPermissionsEgress: [] })),
      ],
      NetworkInterfaces: [
        ...(hardeningSnapshot.NetworkInterfaces ?? []),
        ...peers.map(({ address, group }, i) => ({
          NetworkInterfaceId: `eni-tier${i}`,
          SubnetId: 'subnet-app',
          VpcId: 'vpc-1',
          PrivateIpAddress: address,
          Groups: [{ GroupId: group }],
        })),
      ],
    };
    const flows = peers.map(({ address }) => probe(address, { records: 12, packets: 36, lastSeen: T0 + 3600 }));
    const finding = findingOnPort(flows, snapshot);
    expect(finding.fixNote ?? null).toBeNull();
    expect(finding.suggestedFix?.verified).toBe(true);
    expect(peerSourcesOf(finding.suggestedFix?.changes ?? [])).toEqual(['10.1.10.0/24']);
  });
});

describe('requests to a NAT gateway’s own address are left out of the fix beside suspects', () => {
  // An app host refused on its way out by sg-app, which lets out only PostgreSQL; the web host's
  // group admits it on 443, so only the app's egress is to change.
  const NAT_PUBLIC = '3.90.0.5';
  const SCANNER = '203.0.113.77';
  const world = () =>
    baseWorld()
      .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
      .eni(natGatewayEni('10.0.7.5', NAT_PUBLIC))
      .egress('sg-app', tcp(5432, '10.0.3.0/24'))
      .ingress('sg-web', tcp(443, 'sg-app'));
  /** The scanner's probes of ten of the app host's ports: a suspect wherever it is a peer. */
  const scan = Array.from({ length: FIX_SCOPE.scanMinPorts }, (_, i) => ({
    eni: 'eni-app1',
    src: SCANNER,
    dst: APP1,
    sport: 50000,
    dport: 2000 + i,
  }));
  const appTo = (dst: string) => retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst, sport: 40000, dport: 443 }, 4);
  const egressFinding = (records: Parameters<typeof runDiagnose>[1]): Finding => {
    const found = runDiagnose(world(), records).findings.filter((f) => f.kind === 'rule' && f.traffic.direction === 'egress');
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('a scanner and the gateway, no other peer: no fix, the suspects’ reason, the message naming the gateway', () => {
    const finding = egressFinding([...scan, ...appTo(SCANNER), ...appTo(NAT_PUBLIC)]);
    expect(finding.suggestedFix).toBeNull();
    expect(finding.fixNote).toMatchObject({ reason: 'no-legitimate-peers', excludedPeers: 2 });
    expect([...(finding.fixNote?.examples ?? [])].sort()).toEqual([NAT_PUBLIC, SCANNER].sort());
    expect(finding.fixNote?.message).toContain('nat-0123456789abcdef0');
    expect(finding.fixNote?.message).toContain(NAT_PUBLIC);
  });

  it('with the web host as well: the fix covers it alone, the note saying both were left out', () => {
    const finding = egressFinding([...scan, ...appTo(SCANNER), ...appTo(NAT_PUBLIC), ...appTo(WEB1)]);
    expect(finding.suggestedFix?.verified).toBe(true);
    expect(peerSourcesOf(finding.suggestedFix?.changes ?? [])).toEqual(['sg-web']);
    expect(finding.fixNote).toMatchObject({ reason: 'suspect-peers-left-out', excludedPeers: 2 });
    expect(finding.fixNote?.message).toMatch(/^The fix covers 1 legitimate peers; 1 peers that scan/);
    expect(finding.fixNote?.message).toContain('nat-0123456789abcdef0');
  });

  it('the gateway alone is left out: its own reason, the fix for the others', () => {
    const finding = egressFinding([...appTo(NAT_PUBLIC), ...appTo(WEB1)]);
    expect(peerSourcesOf(finding.suggestedFix?.changes ?? [])).toEqual(['sg-web']);
    expect(finding.fixNote).toMatchObject({ reason: 'to-nat-gateway', excludedPeers: 1, examples: [NAT_PUBLIC] });
    expect(finding.fixNote?.message).toContain(
      '4 of its 8 records are connections opened towards NAT gateway nat-0123456789abcdef0 itself (3.90.0.5)',
    );
  });

  it('gateways whose interfaces name no nat- id (their type alone says NAT gateway) are named by interface, each apart', () => {
    const bare = (id: string, ip: string, publicIp: string) => ({ ...natGatewayEni(ip, publicIp), id, description: '' });
    const finding = runDiagnose(
      world()
        .eni(bare('eni-nat2', '10.0.7.6', '3.90.0.6'))
        .eni(bare('eni-nat3', '10.0.7.7', '3.90.0.7')),
      [...appTo('3.90.0.6'), ...appTo('3.90.0.7'), ...appTo(WEB1)],
    ).findings.filter((f) => f.kind === 'rule' && f.traffic.direction === 'egress');
    expect(finding).toHaveLength(1);
    expect(finding[0].fixNote).toMatchObject({ reason: 'to-nat-gateway', excludedPeers: 2 });
    expect(finding[0].fixNote?.message).toContain('NAT gateway eni-nat2, eni-nat3 itself (3.90.0.6, 3.90.0.7)');
    expect(finding[0].fixNote?.message).not.toContain('nat_gateway');
  });

  it('requests to hosts that are no NAT gateway’s cost a lookup each, not a search of the VPC and its peers: a finding may hold tens of thousands', () => {
    const model = NetworkModel.fromSnapshot(world().snapshot());
    const byPrivate = vi.spyOn(model, 'interfacesByPrivateAddress');
    const peered = vi.spyOn(model, 'peeredVpcs');
    const request = (dstaddr: string) => ({
      flow: flowAggregate({ interfaceId: 'eni-app1', srcaddr: APP1, dstaddr, srcport: 40000, dstport: 443 }),
      verdict: { direction: 'egress' as const, returnTraffic: false },
    });
    for (let i = 0; i < 10_000; i++) expect(natGatewayRequested(model, request(`10.0.${2 + (i % 3)}.${i % 250}`) as never)).toBeUndefined();
    expect(byPrivate).not.toHaveBeenCalled();
    expect(peered).not.toHaveBeenCalled();
    expect(natGatewayRequested(model, request('10.0.7.5') as never)?.NetworkInterfaceId).toBe('eni-nat1');
    expect(natGatewayRequested(model, request(NAT_PUBLIC) as never)?.NetworkInterfaceId).toBe('eni-nat1');
  });
});
