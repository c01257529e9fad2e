import type { ExplainContext } from '../evaluate/explain-flow';
import { EPHEMERAL_PORT_FLOOR } from '../flow-log/port-collapse';
import { peerAddressOf } from '../findings/explained-flow';
import { describeControl } from '../findings/finding-text';
import type { FindingGroup } from '../findings/finding-group';
import { NetworkModel } from '../network/network-model';
import { describeTraffic, ruleProtocolNumber } from '../network/protocol';
import type { NetworkSnapshot } from '../network/snapshot';
import { type FlowChange, type NewlyReachable, newlyReachableOf, simulate } from '../simulate/simulate';
import { SimulationError } from '../simulate/simulation.error';
import type { FixChange, FixRisk } from './fix';
import { AddressSet, addressFamily } from '../ip/cidr-cover';
import { allIcmpTypesRisk } from './icmp-type.util';
import { ruleQuotaRisk } from './group-rule-quota';
import { networkAclRuleQuotaRisk } from './network-acl-rule-quota';
import { type FarEnd, type FarEndPlan, farEndBlockedBy, farEndCrossings, farEndOf, farEndOn } from './far-end';
import { blockedReplies } from './reply-path';
import type { FixVerification, FixVerifier, ObservedEnds } from './suggest-fix';

const MAX_LISTED = 5;

/** How many addresses a CIDR block holds. */
function cidrSize(cidr: string): bigint {
  const bits = addressFamily(cidr) === 4 ? 32 : 128;
  const slash = cidr.lastIndexOf('/');
  const prefix = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= bits ? 1n << BigInt(bits - prefix) : 1n;
}

function listed(ids: string[]): string {
  return ids.length > MAX_LISTED ? `${ids.slice(0, MAX_LISTED).join(', ')} +${ids.length - MAX_LISTED} more` : ids.join(', ');
}

function trafficText(reach: NewlyReachable): string {
  const protocol = ruleProtocolNumber(reach.protocol) ?? -1;
  if (reach.icmpType !== undefined) return `${describeTraffic(protocol, null)} type ${reach.icmpType}`;
  if (!reach.ports) return describeTraffic(protocol, null);
  return reach.ports.from === reach.ports.to
    ? describeTraffic(protocol, reach.ports.from)
    : `${reach.protocol}/${reach.ports.from}-${reach.ports.to}`;
}

/**
 * A fix's risks as they are found, reach by reach, with those that differ only by the peer they
 * name kept as one risk naming every such peer: a NACL change for nine peers opens the same other
 * interfaces to each of them, which is one thing to know, not nine. A risk keeps the place of the
 * first reach that found it.
 */
class RiskList {
  private readonly byKey = new Map<string, { peers: string[]; render: (peers: string[]) => FixRisk }>();

  /** A risk under `key`; `peer` joins the peers of the risk already found under it (`render` is then not used). */
  add(key: string, peer: string | null, render: (peers: string[]) => FixRisk): void {
    const found = this.byKey.get(key);
    if (!found) this.byKey.set(key, { peers: peer === null ? [] : [peer], render });
    else if (peer !== null && !found.peers.includes(peer)) found.peers.push(peer);
  }

  risks(): FixRisk[] {
    return [...this.byKey.values()].map(({ peers, render }) => render(peers));
  }
}

/** One address as a host CIDR (/32, /128), to look it up in an `AddressSet`. */
function hostCidr(address: string): string {
  return `${address}/${addressFamily(address) === 4 ? 32 : 128}`;
}

/**
 * What a change opens beyond the finding's own flows, from the simulation's newly reachable sets:
 * a deny a replaced NACL entry no longer applies to other peers, internet exposure, interfaces other than the observed ones (the group is shared, or the NACL
 * covers other subnets' hosts), a referenced group carried by hosts other than the observed
 * peers, a CIDR wider than the observed peers, and port ranges wider than one port. Internet
 * exposure and other interfaces are told once per control, traffic and direction (and set of
 * interfaces), naming every peer they concern (`peers`). The interfaces and peers of `beyond` (of
 * other findings the same change answers) count as observed too.
 */
export function risksOf(model: NetworkModel, group: FindingGroup, reachable: NewlyReachable[], beyond?: ObservedEnds): FixRisk[] {
  const risks = new RiskList();
  const observedInterfaces = new Set(group.flows.map((f) => f.flow.interfaceId));
  const observedPeers = new Set(group.flows.map(peerAddressOf));
  for (const id of beyond?.interfaceIds ?? []) observedInterfaces.add(id);
  for (const peer of beyond?.peers ?? []) observedPeers.add(peer);
  let peerSet: AddressSet | null = null;
  const observedLoadBalancers = new Set(
    [...observedInterfaces].map((id) => model.interfaceOwner(id) ?? '').filter((owner) => owner.startsWith('elb:')),
  );
  for (const reach of reachable) {
    const where = reach.groupId ?? reach.networkAclId ?? '';
    const traffic = trafficText(reach);
    const toward = reach.direction === 'ingress' ? 'from' : 'to';
    if (reach.replacedRule !== undefined) {
      const { replacedRule, decidedBy } = reach;
      risks.add(`deny-removed|${where}|${replacedRule}|${reach.peer}|${traffic}|${decidedBy}`, null, () => ({
        kind: 'deny-removed',
        message: `replacing rule ${replacedRule} of ${where} removes its deny of ${traffic} ${toward} ${reach.peer}: rule ${decidedBy} now allows it`,
        where,
        ruleNumber: replacedRule,
        decidedBy,
        peer: reach.peer,
        protocol: reach.protocol,
        ports: reach.ports,
      }));
    }
    if (reach.includesInternet) {
      risks.add(`internet-exposure|${where}|${traffic}|${toward}`, reach.peer, (peers) => ({
        kind: 'internet-exposure',
        message: `${where} opens ${traffic} ${toward} internet addresses (${listed(peers)})`,
        peers,
        where,
      }));
    }
    // The other interfaces of an observed load balancer are the same owner, not an extra exposure.
    const others = reach.interfaceIds.filter(
      (id) => !observedInterfaces.has(id) && !observedLoadBalancers.has(model.interfaceOwner(id) ?? ''),
    );
    if (others.length) {
      risks.add(`other-interfaces|${where}|${traffic}|${toward}|${others.join(',')}`, reach.peer, (peers) => ({
        kind: 'other-interfaces',
        message: `${where} also applies to ${others.length} other interface${others.length === 1 ? '' : 's'} (${listed(others.map((id) => shownAs(model, id)))}): they accept ${traffic} ${toward} ${listed(peers)} too`,
        interfaceIds: others,
        peers,
        where,
      }));
    }
    if (reach.peerKind === 'security-group') {
      const holders = model.interfacesWithGroup(reach.peer);
      const seen = (peerSet ??= new AddressSet(observedPeers));
      // A holder seen by any of its addresses, IPv6 ones included (a reference matches those too),
      // compared by value: a flow log and a snapshot may write one IPv6 address differently.
      const unobserved = holders.filter((id) => {
        const eni = model.interface(id);
        const addresses = [
          eni?.PrivateIpAddress,
          ...(eni?.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress),
          ...(eni?.Ipv6Addresses ?? []).map((a) => a.Ipv6Address),
        ];
        return !addresses.some((a) => a !== undefined && seen.countIn(hostCidr(a)) > 0);
      });
      if (unobserved.length) {
        risks.add(`group-peers|${reach.peer}|${traffic}`, null, () => ({
          kind: 'group-peers',
          message: `every interface carrying ${reach.peer} gets ${traffic}, including ${unobserved.length} not seen in the flows (${listed(unobserved.map((id) => shownAs(model, id)))})`,
          interfaceIds: unobserved,
          peer: reach.peer,
        }));
      }
    }
    // Peers parsed once per group, each CIDR once: not every peer against every reachable CIDR.
    const inside = reach.peerKind === 'cidr' ? (peerSet ??= new AddressSet(observedPeers)).countIn(reach.peer) : 0;
    // A block no larger than the observed peers it holds (a /32, or a /31 with both seen) opens nothing more.
    if (reach.peerKind === 'cidr' && cidrSize(reach.peer) > BigInt(inside)) {
      risks.add(`wider-peer|${reach.peer}`, null, () => ({
        kind: 'wider-peer',
        message: `${reach.peer} covers more addresses than the ${inside} observed peer${inside === 1 ? '' : 's'} in it`,
        peer: reach.peer,
        observedPeers: inside,
      }));
    }
    if (reach.ports && reach.ports.from !== reach.ports.to) {
      const ports = reach.ports;
      // A range starting below 1024 is the client ports the flows showed (an NFS mount's
      // privileged ones, say), not an ephemeral range: a client may come from another port next time.
      const own = beyond?.portRange;
      const whose =
        own && own.from === ports.from && own.to === ports.to
          ? own.label
          : ports.from >= EPHEMERAL_PORT_FLOOR
            ? "the clients' ephemeral range"
            : ports.to < EPHEMERAL_PORT_FLOOR
              ? 'the client ports seen in the flows, all below 1024: a client sending from another privileged port is still refused'
              : 'the client ports seen in the flows, from below 1024 up: a client sending from a port outside them is still refused';
      risks.add(`port-range|${where}|${ports.from}-${ports.to}`, null, () => ({
        kind: 'port-range',
        message: `${where} admits ports ${ports.from}-${ports.to} (${whose})`,
        ports,
      }));
    }
  }
  return risks.risks();
}

/**
 * The risks of a fix: what its changes open as seen from the group's flows, and — when it opens
 * the far end of the path too — what the far-end changes open as seen from the far end's requests
 * (a reference to the client's group is about the client's hosts, not the server's), each told once.
 */
function fixRisks(
  before: NetworkModel,
  after: NetworkModel,
  group: FindingGroup,
  changes: FixChange[],
  reachable: NewlyReachable[],
  farEnd: FarEndPlan | undefined,
  seen: ObservedEnds | undefined,
): FixRisk[] {
  if (!farEnd?.changes.length) return risksOf(before, group, reachable, seen);
  const far = new Set(farEnd.changes);
  const own = changes.filter((c) => !far.has(c));
  const risks = risksOf(before, group, newlyReachableOf(after, own, before), seen);
  for (const risk of risksOf(before, farEnd.group, newlyReachableOf(after, farEnd.changes, before))) {
    if (!risks.some((r) => r.message === risk.message)) risks.push(risk);
  }
  return risks;
}

/** How a risk names an interface: its owner (an instance, a load balancer …) where the snapshot knows it, else its id. */
function shownAs(model: NetworkModel, interfaceId: string): string {
  return model.interfaceOwner(interfaceId) ?? interfaceId;
}

/**
 * What the far end's requests could not be judged on (their verdict `unknown`: a prefix list
 * without its entries, a group the snapshot lacks), or, across a transit gateway, which of its
 * attachment subnets' NACLs carries them (judged on `after`, the changed copy), as a risk naming
 * the interfaces (or the NACLs) and the first reason; null when everything was judged. The fix
 * stays verified as far as the snapshot goes.
 */
function farEndUndecided(model: NetworkModel, after: NetworkModel, farEnd: FarEnd): FixRisk | null {
  const unknown = farEnd.group.flows.filter((f) => f.verdict.verdict === 'unknown');
  if (!unknown.length) {
    const unsure = farEndCrossings(after, farEnd).filter((c) => c.hop.verdict === 'unknown');
    if (!unsure.length) return null;
    const acls = [...new Set(unsure.map((c) => c.hop.networkAclId ?? c.subnetId ?? c.attachmentId))].sort();
    return {
      kind: 'far-end-undecided',
      message: `the far end's path through transit gateway attachment subnets (${listed(acls)}) cannot be judged from the snapshot: ${unsure[0]!.hop.reason ?? 'undecidable'}; the connections may still fail there`,
      interfaces: [],
      networkAclIds: acls,
    };
  }
  const interfaces = [...new Set(unknown.map((f) => f.flow.interfaceId))].sort();
  const peers = interfaces.map((id) => shownAs(model, id));
  return {
    kind: 'far-end-undecided',
    message: `the far end (${listed(peers)}) cannot be judged from the snapshot: ${unknown[0]!.verdict.reason ?? 'undecidable'}; the connections may still fail there`,
    interfaces,
  };
}

/**
 * Of the flows the changes leave undecided because the groups admit them only as forwarded by a
 * Network Load Balancer (`FlowVerdict.throughLoadBalancer`): a risk saying they pass if they came
 * through it, which the flow log cannot tell, and that the groups still refuse them sent to the
 * target directly. The fix is not verified for them; null when there are none.
 */
function throughLoadBalancerRisk(model: NetworkModel, changed: readonly FlowChange[], total: number): FixRisk | null {
  const balancers = new Set<string>();
  const interfaces = new Set<string>();
  let count = 0;
  for (const { flow, after } of changed) {
    if (after.verdict !== 'unknown' || after.throughLoadBalancer === undefined) continue;
    count++;
    balancers.add(after.throughLoadBalancer);
    interfaces.add(flow.interfaceId);
  }
  if (count === 0) return null;
  const groups = [...new Set([...interfaces].flatMap((id) => model.securityGroupsOf(id)))].sort();
  const loadBalancers = [...balancers].sort();
  return {
    kind: 'through-load-balancer',
    message:
      `${groups.join(', ')} admit${groups.length === 1 ? 's' : ''} ${count === total ? 'these flows' : `${count} of the ${total} flows`} only as forwarded by ` +
      `network load balancer ${loadBalancers.join(', ')}, by a rule referencing its group: with the change they pass if they came ` +
      `through it, which the flow log cannot tell; sent to ${listed([...interfaces].sort())} directly, they are still refused`,
    loadBalancers,
    groupIds: groups,
  };
}

/**
 * The verifier diagnosis uses: applies the changes to a copy of the snapshot (`simulate`) and
 * re-explains the group's flows with the same context. Verified only when every flow becomes
 * allowed AND, for requests, the capturing subnet's NACL lets their replies back (NACLs are
 * stateless) AND, where the peers are interfaces of the snapshot, the far end of the path lets
 * the connections through (`farEndOf`, or the plan's far end judged again: the peer's subnet NACL and groups for a request that never
 * got there, the client's subnet NACL for the reply); a change EC2 would refuse is reported as a
 * risk and not verified.
 */
export function createFixVerifier(
  snapshot: NetworkSnapshot,
  ctx: ExplainContext,
  model: NetworkModel = NetworkModel.fromSnapshot(snapshot),
): FixVerifier {
  return (changes: FixChange[], group: FindingGroup, farEnd?: FarEndPlan, seen?: ObservedEnds): FixVerification => {
    const flows = group.flows.map((f) => f.flow);
    try {
      const result = simulate(snapshot, changes, flows, ctx, model);
      const after = result.model ?? NetworkModel.fromSnapshot(result.snapshot);
      const risks = fixRisks(model, after, group, changes, result.newlyReachable, farEnd, seen);
      const allTypes = allIcmpTypesRisk(changes, 'flow logs do not record the ICMP type, so no rule can name it');
      if (allTypes) risks.push(allTypes);
      const quota = ruleQuotaRisk(model, changes);
      if (quota) risks.push(quota);
      const aclQuota = networkAclRuleQuotaRisk(model, changes);
      if (aclQuota) risks.push(aclQuota);
      const replies = group.returnTraffic ? [] : blockedReplies(after, group);
      if (replies.length) {
        const acls = [...new Set(replies.map((r) => r.networkAclId))];
        risks.push({
          kind: 'reply-blocked',
          message: `${acls.join(', ')} still drop${acls.length === 1 ? 's' : ''} the replies (${replies[0].direction}) to ${listed([...new Set(replies.map((r) => r.peer))])}: the connections keep failing`,
          networkAclIds: acls,
        });
      }
      // The plan's requests judged again, or, without one, the far end found on the changed copy.
      const farEndAfter = farEnd ? farEndOn(after, farEnd) : farEndOf(after, group);
      const stillBlocked = farEndAfter ? farEndBlockedBy(after, farEndAfter) : [];
      if (stillBlocked.length) {
        const peers = [...new Set(farEndAfter!.group.flows.map((f) => shownAs(model, f.flow.interfaceId)))];
        risks.push({
          kind: 'far-end-blocked',
          message: `${stillBlocked.map(describeControl).join(', ')} still refuse${stillBlocked.length === 1 ? 's' : ''} the connections at the far end (${listed(peers)}): they keep failing`,
          controls: stillBlocked,
        });
      }
      const undecided = farEndAfter ? farEndUndecided(model, after, farEndAfter) : null;
      if (undecided) risks.push(undecided);
      const forwarded = throughLoadBalancerRisk(model, result.changed, flows.length);
      if (forwarded) risks.push(forwarded);
      return {
        verified: result.nowAllowed.length === flows.length && replies.length === 0 && stillBlocked.length === 0,
        risks,
      };
    } catch (error) {
      if (error instanceof SimulationError) {
        return {
          verified: false,
          risks: [{ kind: 'invalid-change', message: `EC2 would refuse the change: ${error.message}`, code: error.code }],
        };
      }
      throw error;
    }
  };
}
