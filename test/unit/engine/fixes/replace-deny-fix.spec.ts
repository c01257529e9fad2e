import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { evaluateNetworkAcl } from '../../../../src/engine/evaluate/network-acl-evaluator';
import type { Finding } from '../../../../src/engine/findings/finding';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { cidrContains, parseCidr, parseIp } from '../../../../src/engine/ip/ip-address';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { protocolName } from '../../../../src/engine/network/protocol';
import type { NetworkAclEntry, NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { simulate } from '../../../../src/engine/simulate/simulate';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

/*
 * The app subnet's NACL starts with an explicit deny of tcp/8080 from everyone (rule 1); the
 * Network Load Balancer in the public subnet (10.0.1.10, its fixed address there) retries on 8080
 * and is refused by it. There is no rule
 * number below 1: a fix cannot simply add an allow in front of the deny.
 */
const entry = (
  RuleNumber: number,
  Egress: boolean,
  RuleAction: 'allow' | 'deny',
  Protocol: string,
  cidr: string,
  ports?: [number, number],
) =>
  ({
    RuleNumber,
    Egress,
    RuleAction,
    Protocol,
    ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
  }) as NetworkAclEntry;

const catchAlls = [
  entry(32767, false, 'deny', '-1', '0.0.0.0/0'),
  entry(32768, false, 'deny', '-1', '::/0'),
  entry(32767, true, 'deny', '-1', '0.0.0.0/0'),
  entry(32768, true, 'deny', '-1', '::/0'),
];

function snapshotWith(appInbound: NetworkAclEntry[]): NetworkSnapshot {
  return validateSnapshot({
    Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' }],
    Subnets: [
      { SubnetId: 'subnet-pub', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24' },
      { SubnetId: 'subnet-app', VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' },
    ],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-lb',
        SubnetId: 'subnet-pub',
        VpcId: 'vpc-1',
        Description: 'ELB net/my-lb/50dc6c495c0c9188',
        PrivateIpAddress: '10.0.1.10',
        PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.10', Primary: true }],
        Groups: [{ GroupId: 'sg-lb' }],
      },
      {
        NetworkInterfaceId: 'eni-app',
        SubnetId: 'subnet-app',
        VpcId: 'vpc-1',
        PrivateIpAddress: '10.0.2.20',
        PrivateIpAddresses: [{ PrivateIpAddress: '10.0.2.20', Primary: true }],
        Attachment: { InstanceId: 'i-app', DeviceIndex: 0 },
        Groups: [{ GroupId: 'sg-app' }],
      },
    ],
    SecurityGroups: [
      {
        GroupId: 'sg-lb',
        VpcId: 'vpc-1',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
      {
        GroupId: 'sg-app',
        VpcId: 'vpc-1',
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ],
    NetworkAcls: [
      {
        NetworkAclId: 'acl-pub',
        VpcId: 'vpc-1',
        Associations: [{ SubnetId: 'subnet-pub' }],
        Entries: [entry(100, false, 'allow', '-1', '0.0.0.0/0'), entry(100, true, 'allow', '-1', '0.0.0.0/0'), ...catchAlls],
      },
      {
        NetworkAclId: 'acl-app',
        VpcId: 'vpc-1',
        Associations: [{ SubnetId: 'subnet-app' }],
        Entries: [...appInbound, entry(100, true, 'allow', '-1', '0.0.0.0/0'), ...catchAlls],
      },
    ],
  });
}

const DENY_8080 = entry(1, false, 'deny', '6', '0.0.0.0/0', [8080, 8080]);
const ALLOW_ALL_90 = entry(90, false, 'allow', '-1', '0.0.0.0/0');

/** The load balancer's retries on 8080, ten minutes apart: a likely misconfiguration. */
const retries: FlowAggregate[] = [0, 1, 2, 3, 4, 5].map((i) =>
  flowAggregate({
    interfaceId: 'eni-app',
    srcaddr: '10.0.1.10',
    dstaddr: '10.0.2.20',
    srcport: 40000 + i,
    dstport: 8080,
    servicePortSide: 'dst',
    packets: 3,
    records: 1,
    firstSeen: 1_700_000_000 + i * 600,
    lastSeen: 1_700_000_060 + i * 600,
  }),
);

const internetProbe = flowAggregate({
  interfaceId: 'eni-app',
  srcaddr: '203.0.113.50',
  dstaddr: '10.0.2.20',
  srcport: 40000,
  dstport: 8080,
  servicePortSide: 'dst',
});
const otherInternal = { ...internetProbe, srcaddr: '10.0.1.99' };

function onlyFinding(snapshot: NetworkSnapshot): Finding {
  const findings = diagnose(snapshot, retries).findings.filter((f) => f.kind === 'rule');
  expect(findings).toHaveLength(1);
  expect(findings[0].blockedBy).toMatchObject({ control: 'network-acl', networkAclId: 'acl-app', ruleNumber: 1 });
  return findings[0];
}

const verdictAfter = (snapshot: NetworkSnapshot, changes: FixChange[], flow: FlowAggregate) =>
  explainFlow(NetworkModel.fromSnapshot(applyChanges(snapshot, changes)), flow).verdict;

describe('a fix for traffic an explicit deny refuses, when no rule number is free before it', () => {
  it('lets the peer through and keeps the deny for every other source: the deny moves to the next free number', () => {
    const snapshot = snapshotWith([DENY_8080, ALLOW_ALL_90]);
    const fix = onlyFinding(snapshot).suggestedFix!;
    expect(fix.changes).toEqual([
      {
        action: 'CreateNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-app',
          RuleNumber: 2,
          Protocol: '6',
          RuleAction: 'deny',
          Egress: false,
          CidrBlock: '0.0.0.0/0',
          PortRange: { From: 8080, To: 8080 },
        },
      },
      {
        action: 'ReplaceNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-app',
          RuleNumber: 1,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: false,
          CidrBlock: '10.0.1.10/32',
          PortRange: { From: 8080, To: 8080 },
        },
      },
    ]);
    expect(fix.verified).toBe(true);
    expect(fix.risks).toEqual([]);
    for (const change of [...retries.slice(0, 1)]) expect(verdictAfter(snapshot, fix.changes, change)).toBe('allowed');
    expect(verdictAfter(snapshot, fix.changes, internetProbe)).toBe('blocked');
    expect(verdictAfter(snapshot, fix.changes, otherInternal)).toBe('blocked');
  });

  it('moves the deny past entries that cannot change its traffic (another protocol, other ports, other addresses)', () => {
    const snapshot = snapshotWith([
      DENY_8080,
      entry(2, false, 'allow', '17', '0.0.0.0/0', [53, 53]),
      entry(3, false, 'allow', '6', '0.0.0.0/0', [443, 443]),
      entry(4, false, 'deny', '6', '198.51.100.0/24', [8080, 8080]),
      ALLOW_ALL_90,
    ]);
    const fix = onlyFinding(snapshot).suggestedFix!;
    expect(fix.changes.map((c) => [c.action, c.params.RuleNumber, c.params.RuleAction])).toEqual([
      ['CreateNetworkAclEntry', 5, 'deny'],
      ['ReplaceNetworkAclEntry', 1, 'allow'],
    ]);
    expect(fix.risks).toEqual([]);
    expect(verdictAfter(snapshot, fix.changes, internetProbe)).toBe('blocked');
  });

  it('when an allow right after the deny would take its traffic, replaces the deny alone and lists what that opens, internet included', () => {
    const snapshot = snapshotWith([DENY_8080, entry(2, false, 'allow', '-1', '0.0.0.0/0'), ALLOW_ALL_90]);
    const fix = onlyFinding(snapshot).suggestedFix!;
    expect(fix.changes.map((c) => [c.action, c.params.RuleNumber, c.params.RuleAction])).toEqual([['ReplaceNetworkAclEntry', 1, 'allow']]);
    expect(verdictAfter(snapshot, fix.changes, internetProbe)).toBe('allowed');
    const kinds = fix.risks.map((r) => r.kind);
    expect(kinds).toContain('internet-exposure');
    expect(kinds).toContain('deny-removed');
    const exposure = fix.risks.find((r) => r.kind === 'internet-exposure')!;
    expect(exposure.message).toContain('tcp/8080');
    expect(exposure.message).toContain('0.0.0.0/0');
    const removed = fix.risks.find((r) => r.kind === 'deny-removed')!;
    expect(removed).toMatchObject({ where: 'acl-app', ruleNumber: 1, decidedBy: 2, peer: '0.0.0.0/0' });
  });

  it('still prefers a new allow before the deny when a number is free there (the deny stays as it is)', () => {
    const snapshot = snapshotWith([{ ...DENY_8080, RuleNumber: 50 }, ALLOW_ALL_90]);
    const findings = diagnose(snapshot, retries).findings.filter((f) => f.kind === 'rule');
    const fix = findings[0].suggestedFix!;
    expect(fix.changes).toHaveLength(1);
    expect(fix.changes[0]).toMatchObject({ action: 'CreateNetworkAclEntry', params: { RuleAction: 'allow', CidrBlock: '10.0.1.10/32' } });
    expect(Number(fix.changes[0].params.RuleNumber)).toBeLessThan(50);
    expect(fix.risks).toEqual([]);
  });
});

describe('what a replaced deny opens, in the simulation', () => {
  it('replacing a deny by a narrower allow reports the traffic the later entries now let through', () => {
    const snapshot = snapshotWith([DENY_8080, ALLOW_ALL_90]);
    const replace: FixChange = {
      action: 'ReplaceNetworkAclEntry',
      params: {
        NetworkAclId: 'acl-app',
        RuleNumber: 1,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '10.0.1.10/32',
        PortRange: { From: 8080, To: 8080 },
      },
    };
    const result = simulate(snapshot, [replace], [retries[0], internetProbe]);
    expect(result.newlyReachable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ networkAclId: 'acl-app', peer: '10.0.1.10/32', includesInternet: false }),
        expect.objectContaining({
          networkAclId: 'acl-app',
          peer: '0.0.0.0/0',
          protocol: 'tcp',
          ports: { from: 8080, to: 8080 },
          direction: 'ingress',
          includesInternet: true,
          replacedRule: 1,
          decidedBy: 90,
        }),
      ]),
    );
    expect(result.nowAllowed).toEqual([retries[0], internetProbe]);
  });

  it('a deny re-created after the replaced entry opens nothing else', () => {
    const snapshot = snapshotWith([DENY_8080, ALLOW_ALL_90]);
    const changes: FixChange[] = [
      { action: 'CreateNetworkAclEntry', params: { ...DENY_8080, NetworkAclId: 'acl-app', RuleNumber: 2 } },
      {
        action: 'ReplaceNetworkAclEntry',
        params: {
          NetworkAclId: 'acl-app',
          RuleNumber: 1,
          Protocol: '6',
          RuleAction: 'allow',
          Egress: false,
          CidrBlock: '10.0.1.10/32',
          PortRange: { From: 8080, To: 8080 },
        },
      },
    ];
    const result = simulate(snapshot, changes, [retries[0], internetProbe]);
    expect(result.newlyReachable.map((r) => r.peer)).toEqual(['10.0.1.10/32']);
    expect(result.nowAllowed).toEqual([retries[0]]);
  });
});

describe('a replaced deny never opens more than its risks say (property)', () => {
  const cidrs = ['0.0.0.0/0', '10.0.0.0/8', '10.0.1.0/24', '10.0.1.10/32', '203.0.113.0/24'];
  const portRanges: [number, number][] = [
    [8080, 8080],
    [8000, 8100],
    [0, 65535],
    [22, 22],
    [32768, 65535],
  ];
  const laterEntry = fc
    .record({
      action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
      protocol: fc.constantFrom('-1', '6', '17'),
      cidr: fc.constantFrom(...cidrs),
      ports: fc.constantFrom(...portRanges),
    })
    .map(({ action, protocol, cidr, ports }) => ({ action, protocol, cidr, ports: protocol === '-1' ? undefined : ports }));
  const firstDeny = fc.record({
    protocol: fc.constantFrom('-1', '6'),
    cidr: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8', '10.0.1.0/24'),
    ports: fc.constantFrom<[number, number]>([8080, 8080], [8000, 8100], [0, 65535]),
  });
  const probes = ['10.0.1.10', '10.0.1.99', '10.2.3.4', '203.0.113.50', '198.51.100.1'].flatMap((address) =>
    [6, 17].flatMap((protocol) => [22, 53, 8080, 8090, 40000].map((port) => ({ address, protocol, port }))),
  );
  const inside = (risk: Record<string, unknown>, probe: { address: string; protocol: number; port: number }): boolean => {
    const cidr = parseCidr(String(risk.peer))!;
    const ports = risk.ports as { from: number; to: number } | null;
    const protocolMatches = risk.protocol === 'all' || risk.protocol === protocolName(probe.protocol);
    return (
      protocolMatches && cidrContains(cidr, parseIp(probe.address)!) && (!ports || (probe.port >= ports.from && probe.port <= ports.to))
    );
  };

  it('after the fix, every packet other than the peer tcp/8080 that the NACL newly admits lies in a deny-removed risk', () => {
    fc.assert(
      fc.property(firstDeny, fc.array(fc.option(laterEntry, { nil: null }), { minLength: 1, maxLength: 6 }), (deny, later) => {
        const entries = [
          entry(1, false, 'deny', deny.protocol, deny.cidr, deny.protocol === '-1' ? undefined : deny.ports),
          ...later.flatMap((e, i) => (e ? [entry(i + 2, false, e.action, e.protocol, e.cidr, e.ports)] : [])),
        ];
        const snapshot = snapshotWith(entries);
        const finding = diagnose(snapshot, retries).findings.find((f) => f.kind === 'rule');
        const fix = finding?.suggestedFix;
        if (!fix) return;
        expect(fix.verified).toBe(true);
        const before = NetworkModel.fromSnapshot(snapshot);
        const after = NetworkModel.fromSnapshot(applyChanges(snapshot, fix.changes));
        const removed = fix.risks.filter((r) => r.kind === 'deny-removed');
        const moved = fix.changes.some((c) => c.params.RuleAction === 'deny');
        for (const probe of probes) {
          if (probe.address === '10.0.1.10' && probe.protocol === 6 && probe.port === 8080) continue;
          const was = evaluateNetworkAcl(before, 'acl-app', 'ingress', probe.protocol, probe.port, probe.address).allowed;
          const now = evaluateNetworkAcl(after, 'acl-app', 'ingress', probe.protocol, probe.port, probe.address).allowed;
          if (was === false && now === true) {
            expect(moved, `${JSON.stringify(probe)} opened although the deny was moved`).toBe(false);
            expect(
              removed.some((r) => inside(r, probe)),
              `${JSON.stringify(probe)} opened without a risk`,
            ).toBe(true);
          }
        }
        if (moved) expect(removed).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
