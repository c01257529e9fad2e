import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import {
  ALL_OUT,
  type AclRule,
  type FlowRec,
  ScenarioNetwork,
  T0,
  allow,
  deny,
  runDiagnose,
  tcp,
} from '../../../support/factories/scenario-network';

/*
 * Whenever a diagnosis calls a fix verified, the observed connection works once the fix is
 * applied: every control on the path between two interfaces of the snapshot lets the request
 * through, and both subnets' NACLs let the reply back. Judged by a reference written here from the
 * AWS rules alone (security groups: any rule of any group allows; NACLs: entries in rule-number
 * order, first match decides, each direction on its own, none between two addresses of one subnet).
 */

const PORT = 5432;
const A = '10.0.1.10';
const B_OTHER_SUBNET = '10.0.2.20';
const B_SAME_SUBNET = '10.0.1.20';

// ---------------------------------------------------------------------------------------------
// The reference path evaluator
// ---------------------------------------------------------------------------------------------

function ipv4(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(cidr: string | undefined, address: string): boolean {
  if (!cidr || cidr.includes(':')) return false;
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base!) / size);
}

const isTcp = (protocol: string | undefined): boolean => protocol === '-1' || protocol === 'tcp' || protocol === '6';

interface Host {
  eni: string;
  address: string;
}

function groupsOf(snapshot: NetworkSnapshot, eni: string): string[] {
  const found = snapshot.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === eni)!;
  return (found.Groups ?? []).map((g) => g.GroupId!);
}

function subnetOf(snapshot: NetworkSnapshot, eni: string): string {
  return snapshot.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === eni)!.SubnetId!;
}

/** Any rule of any group of `host` admits TCP `port` to or from `peer` (by address, or by a group the peer carries). */
function groupsAllow(snapshot: NetworkSnapshot, host: Host, inbound: boolean, port: number, peer: Host): boolean {
  const peerGroups = groupsOf(snapshot, peer.eni);
  return groupsOf(snapshot, host.eni).some((groupId) => {
    const group = snapshot.SecurityGroups!.find((g) => g.GroupId === groupId)!;
    const permissions = (inbound ? group.IpPermissions : group.IpPermissionsEgress) ?? [];
    return permissions.some((p) => {
      if (!isTcp(p.IpProtocol)) return false;
      const all = p.IpProtocol === '-1' || p.FromPort === undefined || p.FromPort === -1;
      if (!all && (port < p.FromPort! || port > p.ToPort!)) return false;
      return (
        (p.IpRanges ?? []).some((r) => inCidr(r.CidrIp, peer.address)) ||
        (p.UserIdGroupPairs ?? []).some((pair) => peerGroups.includes(pair.GroupId!))
      );
    });
  });
}

/** The NACL of `host`'s subnet, for TCP `port` to or from `peer`: the first matching entry by rule number decides. */
function naclAllows(snapshot: NetworkSnapshot, host: Host, egress: boolean, port: number, peer: Host): boolean {
  const subnet = subnetOf(snapshot, host.eni);
  if (subnet === subnetOf(snapshot, peer.eni)) return true;
  const acl = snapshot.NetworkAcls!.find((a) => (a.Associations ?? []).some((s) => s.SubnetId === subnet))!;
  const entries = (acl.Entries ?? []).filter((e) => Boolean(e.Egress) === egress).sort((a, b) => a.RuleNumber! - b.RuleNumber!);
  const match = entries.find(
    (e) =>
      isTcp(e.Protocol) &&
      inCidr(e.CidrBlock, peer.address) &&
      (e.Protocol === '-1' || !e.PortRange || (port >= e.PortRange.From! && port <= e.PortRange.To!)),
  );
  return match?.RuleAction === 'allow';
}

/**
 * Where the connection from `client` (its port) to `server` on PORT stops, or null when it works:
 * the control, and the flow log that shows the REJECT (interface, direction, reply or not).
 */
function refusedAt(
  snapshot: NetworkSnapshot,
  client: Host,
  clientPort: number,
  server: Host,
): { control: string; loggedAt: string } | null {
  const at = (control: string, host: Host, direction: string, reply: boolean) => ({
    control,
    loggedAt: `${host.eni} ${direction}${reply ? ' reply' : ''}`,
  });
  if (!groupsAllow(snapshot, client, false, PORT, server)) return at('client groups (egress)', client, 'egress', false);
  if (!naclAllows(snapshot, client, true, PORT, server)) return at('client NACL (egress)', client, 'egress', false);
  if (!naclAllows(snapshot, server, false, PORT, client)) return at('server NACL (ingress)', server, 'ingress', false);
  if (!groupsAllow(snapshot, server, true, PORT, client)) return at('server groups (ingress)', server, 'ingress', false);
  if (!naclAllows(snapshot, server, true, clientPort, client)) return at('server NACL (reply egress)', server, 'egress', true);
  if (!naclAllows(snapshot, client, false, clientPort, server)) return at('client NACL (reply ingress)', client, 'ingress', true);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Generated networks and the records their flow logs would write
// ---------------------------------------------------------------------------------------------

/** NACL entry lists of one direction; `peer` is the other subnet's block. */
const aclSides = (peer: string): fc.Arbitrary<AclRule[]> =>
  fc.oneof(
    fc.constantFrom<AclRule[]>(
      [allow(100, '0.0.0.0/0')],
      [],
      [allow(100, '0.0.0.0/0', '6', [0, 1023])],
      [allow(100, '0.0.0.0/0', '6', [PORT, PORT])],
      [allow(100, '0.0.0.0/0', '6', [32768, 65535])],
      [allow(100, '0.0.0.0/0', '6', [1024, 32767])],
    ),
    fc.integer({ min: 1, max: 300 }).map((n) => [deny(n, peer), allow(n + 1, '0.0.0.0/0')]),
    fc.integer({ min: 1, max: 300 }).map((n) => [deny(n, '0.0.0.0/0', '6', [PORT, PORT]), allow(n + 5, '10.0.0.0/16')]),
  );

interface World {
  sameSubnet: boolean;
  clientEgress: 'all' | 'port' | 'none';
  serverIngress: 'group' | 'cidr' | 'other-port' | 'none';
  aclX: [AclRule[], AclRule[]];
  aclY: [AclRule[], AclRule[]];
  clientPorts: number[];
}

const worlds: fc.Arbitrary<World> = fc.record({
  sameSubnet: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  clientEgress: fc.constantFrom('all' as const, 'port' as const, 'none' as const),
  serverIngress: fc.constantFrom('group' as const, 'cidr' as const, 'other-port' as const, 'none' as const),
  aclX: fc.tuple(aclSides('10.0.2.0/24'), aclSides('10.0.2.0/24')),
  aclY: fc.tuple(aclSides('10.0.1.0/24'), aclSides('10.0.1.0/24')),
  clientPorts: fc.uniqueArray(fc.oneof(fc.integer({ min: 32768, max: 60999 }), fc.integer({ min: 1024, max: 65535 })), {
    minLength: 1,
    maxLength: 3,
  }),
});

function networkOf(w: World): { network: ScenarioNetwork; client: Host; server: Host } {
  const server: Host = { eni: 'eni-b', address: w.sameSubnet ? B_SAME_SUBNET : B_OTHER_SUBNET };
  const network = new ScenarioNetwork()
    .vpc('vpc-main', '10.0.0.0/16')
    .subnet('subnet-x', 'vpc-main', '10.0.1.0/24', { acl: 'acl-x' })
    .subnet('subnet-y', 'vpc-main', '10.0.2.0/24', { acl: 'acl-y' })
    .group('sg-a', 'vpc-main', [], { all: [ALL_OUT], port: [tcp(PORT, '10.0.0.0/16')], none: [] }[w.clientEgress])
    .group(
      'sg-b',
      'vpc-main',
      { group: [tcp(PORT, 'sg-a')], cidr: [tcp(PORT, '10.0.1.0/24')], 'other-port': [tcp(22, '10.0.0.0/16')], none: [] }[w.serverIngress],
    )
    .eni({ id: 'eni-a', subnet: 'subnet-x', ip: A, groups: ['sg-a'] })
    .eni({ id: server.eni, subnet: w.sameSubnet ? 'subnet-x' : 'subnet-y', ip: server.address, groups: ['sg-b'] })
    .acl('acl-x', ...w.aclX)
    .acl('acl-y', ...w.aclY);
  return { network, client: { eni: 'eni-a', address: A }, server };
}

/**
 * What the two flow logs write for each connection, by the reference: the request ACCEPTed at each
 * interface it passes and REJECTed where it stops; when it arrives, the reply likewise on its way back.
 * Each connection is retried over an hour, as a client refused does.
 */
function recordsOf(snapshot: NetworkSnapshot, w: World, client: Host, server: Host): FlowRec[] {
  const out: FlowRec[] = [];
  for (const sport of w.clientPorts) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const at = T0 + attempt * 900;
      const request = { src: client.address, dst: server.address, sport, dport: PORT, flags: 2, at };
      const reply = { src: server.address, dst: client.address, sport: PORT, dport: sport, flags: 18, at };
      const leaves = groupsAllow(snapshot, client, false, PORT, server) && naclAllows(snapshot, client, true, PORT, server);
      out.push({ ...request, eni: client.eni, dir: 'egress', action: leaves ? 'ACCEPT' : 'REJECT' });
      if (!leaves) continue;
      const arrives = naclAllows(snapshot, server, false, PORT, client) && groupsAllow(snapshot, server, true, PORT, client);
      out.push({ ...request, eni: server.eni, dir: 'ingress', action: arrives ? 'ACCEPT' : 'REJECT' });
      if (!arrives) continue;
      const answered = naclAllows(snapshot, server, true, sport, client);
      out.push({ ...reply, eni: server.eni, dir: 'egress', action: answered ? 'ACCEPT' : 'REJECT' });
      if (!answered) continue;
      const back = naclAllows(snapshot, client, false, sport, server);
      out.push({ ...reply, eni: client.eni, dir: 'ingress', action: back ? 'ACCEPT' : 'REJECT' });
    }
  }
  return out;
}

describe('far-end fixes against a reference path evaluator', () => {
  it('a verified fix makes the observed connections work along the whole path', () => {
    let verified = 0;
    let opensFarEnd = 0;
    fc.assert(
      fc.property(worlds, (w) => {
        const { network, client, server } = networkOf(w);
        const snapshot = network.snapshot();
        const records = recordsOf(snapshot, w, client, server);
        for (const finding of runDiagnose(network, records).findings) {
          const fix = finding.suggestedFix;
          if (finding.kind !== 'rule' || !fix?.verified) continue;
          verified++;
          const farControls = finding.traffic.interfaces[0]!.id === client.eni ? ['sg-b', 'acl-y'] : ['acl-x'];
          if (fix.changes.some((c) => farControls.includes(String(c.params.GroupId ?? c.params.NetworkAclId)))) opensFarEnd++;
          // The finding's own connections: those whose REJECT its interface logged, in its direction.
          const { traffic } = finding;
          const loggedAt = `${traffic.interfaces[0]!.id} ${traffic.direction}${traffic.returnTraffic ? ' reply' : ''}`;
          const observed = w.clientPorts.filter((sport) => refusedAt(snapshot, client, sport, server)?.loggedAt === loggedAt);
          expect(observed.length).toBeGreaterThan(0);
          const after = applyChanges(snapshot, fix.changes);
          for (const sport of observed) {
            expect(refusedAt(after, client, sport, server), `${finding.fingerprint} ${JSON.stringify(fix.changes)}`).toBeNull();
          }
        }
      }),
      { numRuns: 300 },
    );
    // The property is not vacuous: many fixes are verified, and some of them open the far end.
    expect(verified).toBeGreaterThan(50);
    expect(opensFarEnd).toBeGreaterThan(5);
  });
});
