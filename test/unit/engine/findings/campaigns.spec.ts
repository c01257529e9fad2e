import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import {
  CAMPAIGN_THRESHOLDS,
  campaignFingerprint,
  groupCampaigns,
  networkOf,
  type NoiseFlow,
  priorCampaignKey,
} from '../../../../src/engine/findings/campaign-group';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';

const DAY = 86_400;

/** One lone SYN from `source` to the app instance (10.1.10.11) on `port`, at `at`. */
function probe(source: string, port: number, at = 1_700_000_000, interfaceId = 'eni-app', dstaddr = '10.1.10.11'): FlowAggregate {
  return flowOf({
    interfaceId,
    srcaddr: source,
    dstaddr,
    srcport: 51000,
    dstport: port,
    servicePortSide: 'dst',
    ephemeralPortMin: 51000,
    ephemeralPortMax: 51000,
    records: 1,
    packets: 1,
    bytes: 44,
    tcpFlags: 2,
    firstSeen: at,
    lastSeen: at + 60,
  });
}

/** An internal client retrying a refused service all day: a misconfiguration. */
function refusedClient(source: string, port: number): FlowAggregate {
  return flowOf({
    srcaddr: source,
    dstaddr: '10.1.10.11',
    srcport: 40000,
    dstport: port,
    servicePortSide: 'dst',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 44000,
    records: 48,
    packets: 144,
    bytes: 8640,
    tcpFlags: 2,
    firstSeen: 1_700_000_000,
    lastSeen: 1_700_086_000,
  });
}

const campaigns = (findings: Finding[]) => findings.filter((f) => f.kind === 'campaign');
const rules = (findings: Finding[]) => findings.filter((f) => f.kind === 'rule');
const SCAN_PORTS = [21, 23, 25, 110, 135, 139, 445, 1433, 3306, 3389, 5900, 7777];

describe('scanner campaigns', () => {
  const scanner = '203.0.113.9';
  const input = [
    ...SCAN_PORTS.map((port, i) => probe(scanner, port, 1_700_010_000 + i)),
    // a botnet on telnet: sources of three different networks, one SYN each
    probe('198.51.100.7', 23),
    probe('192.0.2.200', 23, 1_700_020_000, 'eni-app2', '10.1.10.12'),
    probe('100.0.0.9', 23, 1_700_030_000),
    // two small sources of one /24
    probe('45.33.10.1', 3389),
    probe('45.33.10.1', 22, 1_700_000_100),
    probe('45.33.10.2', 3389, 1_700_050_000),
    // real clients refused on a port the scanner also hit
    refusedClient('10.1.10.12', 7777),
    refusedClient('10.1.10.13', 7777),
  ];
  const result = diagnose(hardeningSnapshot, input);

  it('a scanner that also hits a port real clients are refused on: the rule finding keeps only the clients, its fix stays narrow', () => {
    const [rule] = rules(result.findings);
    expect(rules(result.findings)).toHaveLength(1);
    expect(rule.classification).toBe('likely-misconfiguration');
    expect(rule.traffic.port).toBe(7777);
    expect(rule.traffic.peers.map((p) => p.address).sort()).toEqual(['10.1.10.12', '10.1.10.13']);
    expect(rule.traffic.records).toBe(96);
    expect(JSON.stringify(rule.suggestedFix!.changes)).not.toContain('203.0.113');
    expect(rule.suggestedFix!.verified).toBe(true);
  });

  it('groups noise into one finding per campaign: a scanning source, a network of small sources, a botnet on one service', () => {
    const found = campaigns(result.findings).map((f) => [f.campaign!.scope, f.campaign!.key, f.traffic.records]);
    expect(found.sort()).toEqual([
      ['network', '45.33.10.0/24', 3],
      ['service', 'tcp/23', 3],
      ['source', scanner, SCAN_PORTS.length],
    ]);
    for (const finding of campaigns(result.findings)) {
      expect(finding.classification).toBe('likely-noise');
      expect(finding.severity).toBe('low');
      expect(finding.suggestedFix).toBeNull();
    }
    expect(result.stats.findings.byKind).toEqual({ rule: 1, campaign: 3 });
  });

  it('keeps the per-port breakdown, hosts, sources, controls and first/last seen in the campaign evidence', () => {
    const scan = campaigns(result.findings).find((f) => f.campaign!.key === scanner)!;
    expect(scan.signals).toContain('port-scan');
    expect(scan.campaign!.portCount).toBe(SCAN_PORTS.length);
    expect(scan.campaign!.ports.map((p) => p.port).sort((a, b) => a! - b!)).toEqual(SCAN_PORTS);
    expect(scan.campaign!.ports.find((p) => p.port === 7777)).toMatchObject({ protocol: 6, records: 1, sources: 1, hosts: 1 });
    expect(scan.campaign!.controls).toEqual([
      { control: 'security-group', direction: 'ingress', groupIds: expect.arrayContaining(['sg-app']) },
    ]);
    expect(scan.blockedBy).toEqual(scan.campaign!.controls[0]);
    expect(scan.campaign!.sources).toEqual([
      expect.objectContaining({ address: scanner, records: SCAN_PORTS.length, ports: SCAN_PORTS.length, hosts: 1 }),
    ]);
    expect(scan.traffic).toMatchObject({ direction: 'ingress', protocol: 6, port: null, peerCount: 1, firstSeen: '2023-11-15T01:00:00Z' });
    const botnet = campaigns(result.findings).find((f) => f.campaign!.scope === 'service')!;
    expect(botnet.traffic.port).toBe(23);
    expect(botnet.campaign!.hostCount).toBe(2);
    expect(botnet.campaign!.sourceCount).toBe(3);
  });

  it('every blocked flow belongs to exactly one finding', () => {
    const assigned = [...result.flowsByFingerprint.values()].flat();
    expect(assigned).toHaveLength(input.length);
    expect(new Set(assigned)).toEqual(new Set(input));
    expect([...result.flowsByFingerprint.keys()].sort()).toEqual(result.findings.map((f) => f.fingerprint).sort());
  });

  it('does not depend on input order', () => {
    expect(JSON.stringify(diagnose(hardeningSnapshot, [...input].reverse()).findings)).toBe(JSON.stringify(result.findings));
  });

  it('the same scanner the next day, on other ports, has the same fingerprint', () => {
    const tomorrow = diagnose(
      hardeningSnapshot,
      [20, 80, 81, 8000, 8080, 8081, 8443, 9000, 9090, 9200, 10000].map((port, i) => probe(scanner, port, 1_700_010_000 + DAY + i)),
    );
    const [campaign] = campaigns(tomorrow.findings);
    expect(campaign.fingerprint).toBe(campaigns(result.findings).find((f) => f.campaign!.key === scanner)!.fingerprint);
    expect(campaign.fingerprint).toBe(campaignFingerprint('ingress', 'source', scanner));
  });

  it('known campaign sources take undecided traffic with them, never a likely misconfiguration', () => {
    // Two internet sources retrying a closed port: uncertain on their own.
    const retries = ['203.0.113.77', '203.0.113.78'].map((src) => ({ ...refusedClient(src, 9443), records: 6, packets: 18 }));
    expect(diagnose(hardeningSnapshot, retries).findings.map((f) => [f.kind, f.classification])).toEqual([['rule', 'uncertain']]);
    const prior = new Map(
      ['203.0.113.77', '203.0.113.78', '10.1.10.12'].map((a) => [
        priorCampaignKey('ingress', a),
        { scope: 'network' as const, key: '203.0.113.0/24' },
      ]),
    );
    const withPrior = diagnose(hardeningSnapshot, [...retries, refusedClient('10.1.10.12', 7777)], { priorCampaigns: prior }).findings;
    expect(withPrior.map((f) => [f.kind, f.classification]).sort()).toEqual([
      ['campaign', 'likely-noise'],
      ['rule', 'likely-misconfiguration'],
    ]);
    expect(withPrior.find((f) => f.kind === 'rule')!.traffic.peers.map((p) => p.address)).toEqual(['10.1.10.12']);
  });

  it('never takes internal sources out of rule findings, however many hosts they reach', () => {
    const sweep = Array.from({ length: 12 }, (_, i) => refusedClient('10.1.10.50', 7000 + i));
    const found = diagnose(hardeningSnapshot, sweep).findings;
    expect(campaigns(found)).toEqual([]);
    expect(rules(found)).toHaveLength(12);
  });
});

describe('groupCampaigns', () => {
  const noise = (flow: FlowAggregate): NoiseFlow => ({
    explained: {
      flow,
      verdict: {
        verdict: 'blocked',
        direction: 'ingress',
        returnTraffic: false,
        blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-x'] }],
      },
    },
    signals: ['single-packet'],
  });

  it.each([
    ['at the standalone threshold a source is its own campaign', CAMPAIGN_THRESHOLDS.standaloneMinTargets, 'source'],
    ['one below it, a lone source joins its busiest service', CAMPAIGN_THRESHOLDS.standaloneMinTargets - 1, 'service'],
  ])('%s', (_name, targets, scope) => {
    const [campaign, ...rest] = groupCampaigns(Array.from({ length: targets }, (_, i) => noise(probe('203.0.113.1', 1000 + i))));
    expect(rest).toEqual([]);
    expect(campaign.scope).toBe(scope);
  });

  it('names networks as /24 (IPv4) and /64 (IPv6)', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:bad:1::66')).toBe('2001:db8:bad:1::/64');
  });

  it('a source seen before stays in its campaign, whatever else the window holds', () => {
    // Alone, a small source would join its service's campaign; yesterday it was one of a /24's.
    const alone = [noise(probe('45.33.10.1', 3389))];
    expect(groupCampaigns(alone).map((c) => c.scope)).toEqual(['service']);
    const prior = new Map([[priorCampaignKey('ingress', '45.33.10.1'), { scope: 'network' as const, key: '45.33.10.0/24' }]]);
    const [kept] = groupCampaigns(alone, prior);
    expect(kept).toMatchObject({
      scope: 'network',
      key: '45.33.10.0/24',
      fingerprint: campaignFingerprint('ingress', 'network', '45.33.10.0/24'),
    });
    // A source not in `prior` is grouped as usual, and one listed for the other direction is not taken.
    const other = new Map([[priorCampaignKey('egress', '45.33.10.1'), { scope: 'network' as const, key: '45.33.10.0/24' }]]);
    expect(groupCampaigns(alone, other).map((c) => c.scope)).toEqual(['service']);
  });

  it('keeps directions apart', () => {
    const egress = noise(probe('203.0.113.1', 23));
    egress.explained = { ...egress.explained, verdict: { ...egress.explained.verdict, direction: 'egress' } };
    expect(
      groupCampaigns([noise(probe('203.0.113.1', 23)), egress])
        .map((c) => c.direction)
        .sort(),
    ).toEqual(['egress', 'ingress']);
  });
});
