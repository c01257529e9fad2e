import type { Direction } from '../flow-log/flow-record';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { findPeerInterface } from '../findings/peer-lookup';
import { describeInterfaceOwner } from '../network/interface-owner';
import type { NetworkModel } from '../network/network-model';
import { EPHEMERAL_RANGES, ephemeralRangeFor } from './ephemeral-range.util';
import type { DynamicHostPorts, FixChange, FixRisk, SuggestedFix } from './fix';
import type { AuthorizeSecurityGroupParams, NetworkAclEntryParams } from './fix-params';
import { type FixVerifier, type ObservedEnds, renderedFix } from './suggest-fix';

/*
 * A container instance behind a load balancer with dynamic host ports (ECS tasks in bridge mode
 * with host port 0): each task listens on a port the agent takes from the instance's ephemeral
 * range, and the load balancer connects to it there. A group that admits none of them refuses the
 * load balancer on as many ports as there are tasks — one rule finding and one one-port fix each,
 * and new ports at the next deployment. AWS's guidance for such targets admits the load balancer's
 * group on the ephemeral range in one rule; these sets find the findings such a rule answers.
 */

/** The fewest distinct ports that make a set: one port is an ordinary service port. */
const MIN_PORTS = 2;

/** A pending rule finding of the diagnosis, as the set search sees it. */
export interface HostPortCandidate {
  group: Omit<FindingGroup, 'flows'>;
  /** Its flows, made as they are read: the search stops at the first no load balancer opened. */
  flows: () => Iterable<ExplainedFlow>;
}

/** The rule findings of one load balancer's connections refused by one group, in one direction, on ports of the ephemeral range. */
export interface HostPortSet {
  /** The load balancer, as `describeInterfaceOwner` names it (`elb:app/NAME`). */
  loadBalancer: string;
  /** The refusing group(s), ids ascending. */
  groupIds: string[];
  /** The findings' indexes among the candidates, by port ascending. */
  members: number[];
  ports: number[];
  /** That one rule, worked out once for the set (by `dynamicHostPortsOf`). */
  answer?: DynamicHostPorts;
}

/**
 * The sets among the candidates, by member index: findings of new TCP connections that one load
 * balancer opened, refused by a security group — the targets' inbound, or the load balancer's own
 * outbound — on a port at or above 32768 (where Linux's and Windows' ephemeral ranges start),
 * with at least two ports for one group, direction and load balancer. A candidate's flows are read
 * only when another candidate of its group and direction passes the rest too, and only until one
 * shows a client other than a load balancer.
 */
export function dynamicHostPortSets(model: NetworkModel, candidates: readonly (HostPortCandidate | null)[]): Map<number, HostPortSet> {
  // Findings that could be in a set by their control, protocol and port, by group and direction:
  // one alone there makes no set, and its flows are not read.
  const eligible = new Map<string, { index: number; candidate: HostPortCandidate; groupIds: string[]; port: number }[]>();
  candidates.forEach((candidate, index) => {
    if (!candidate) return;
    const { group } = candidate;
    const { blockedBy } = group;
    if (blockedBy.control !== 'security-group' || group.protocol !== 6) return;
    if (group.returnTraffic || group.port === null || group.port < EPHEMERAL_RANGES.linux.from) return;
    const groupIds = [...blockedBy.groupIds].sort();
    // One group may be the load balancer's and its targets' both: what it refuses inbound and
    // outbound are two sets, each answered by a rule of its own direction.
    const key = `${group.direction}|${groupIds.join(',')}`;
    const list = eligible.get(key) ?? [];
    list.push({ index, candidate, groupIds, port: group.port });
    eligible.set(key, list);
  });
  const byKey = new Map<string, HostPortSet>();
  for (const [key, list] of eligible) {
    if (list.length < MIN_PORTS) continue;
    for (const { index, candidate, groupIds, port } of list) {
      const loadBalancer = soleLoadBalancer(model, candidate.flows(), candidate.group.direction);
      if (!loadBalancer) continue;
      const setKey = `${key}|${loadBalancer}`;
      const set = byKey.get(setKey) ?? { loadBalancer, groupIds, members: [], ports: [] };
      set.members.push(index);
      set.ports.push(port);
      byKey.set(setKey, set);
    }
  }
  const sets = new Map<number, HostPortSet>();
  for (const set of byKey.values()) {
    if (set.members.length < MIN_PORTS) continue;
    const order = set.members.map((member, k) => ({ member, port: set.ports[k] })).sort((a, b) => a.port - b.port);
    set.members = order.map((o) => o.member);
    set.ports = order.map((o) => o.port);
    for (const member of set.members) sets.set(member, set);
  }
  return sets;
}

/**
 * The load balancer that opened every one of the flows, or null (another client, or several load
 * balancers): inbound, the load balancer every peer is an interface of; outbound (its own group
 * refusing it), the one every capturing interface is.
 */
function soleLoadBalancer(model: NetworkModel, flows: Iterable<ExplainedFlow>, direction: Direction): string | null {
  let found: string | null = null;
  const seen = new Set<string>();
  for (const item of flows) {
    const key = direction === 'ingress' ? peerAddressOf(item) : item.flow.interfaceId;
    if (seen.has(key)) continue;
    seen.add(key);
    const eni = direction === 'ingress' ? findPeerInterface(model, item.flow.interfaceId, key) : model.interface(key);
    const owner = eni ? describeInterfaceOwner(eni) : null;
    if (!owner?.startsWith('elb:') || (found !== null && owner !== found)) return null;
    found = owner;
  }
  return found;
}

/**
 * The one rule for a set, from a member's own fix (`fix`, for `port`): every change of it that
 * opens exactly that port widened to the ephemeral range the set's ports lie in
 * (`ephemeralRangeFor`: 32768–60999 when all are Linux's), verified over every member's flows
 * (`memberGroup`). Worked out once per set and kept on it; a null fix when the member has none
 * (and no member before it had one).
 */
export function dynamicHostPortsOf(
  model: NetworkModel,
  set: HostPortSet,
  port: number,
  fix: SuggestedFix | null,
  memberGroup: (member: number) => FindingGroup,
  verify: FixVerifier,
): DynamicHostPorts {
  if (set.answer) return set.answer;
  const { from, to } = ephemeralRangeFor(null, { from: set.ports[0], to: set.ports[set.ports.length - 1] });
  const range = { from, to };
  const lead =
    `Load balancer ${set.loadBalancer.slice('elb:'.length)} was refused by ${set.groupIds.join(' and ')} on ${set.ports.length} ports ` +
    `of ${range.from}-${range.to} (${listedPorts(set.ports)}), each a finding of its own: the dynamic host ports of the containers ` +
    'behind it (ECS tasks in bridge mode), new ones at every deployment.';
  let wider: SuggestedFix | null = null;
  /** The ports of the members the rule leaves refused. */
  const unverified: number[] = [];
  if (fix) {
    const changes = fix.changes.map((change) => widenedChange(change, port, range));
    // Every member's interfaces and peers are the set's own: a host of another member is no
    // "other interface" the rule opens. Each member may find risks the others do not (replies its
    // own subnet's NACL still drops): all of them, each told once. One member's flows at a time.
    // The range it admits is where the containers' host ports come from, not the clients'
    // ephemeral ports a reply's range is: its port-range risk says so.
    const interfaceIds = new Set<string>();
    const peers = new Set<string>();
    for (const member of set.members) {
      for (const item of memberGroup(member).flows) {
        interfaceIds.add(item.flow.interfaceId);
        peers.add(peerAddressOf(item));
      }
    }
    const beyond: ObservedEnds = {
      interfaceIds,
      peers,
      portRange: { ...range, label: "the range the containers' host ports are taken from" },
    };
    const risks = new Map<string, FixRisk>();
    set.members.forEach((member, k) => {
      const verification = verify(changes, memberGroup(member), undefined, beyond);
      if (!verification.verified) unverified.push(set.ports[k]);
      for (const risk of verification.risks) if (!risks.has(risk.message)) risks.set(risk.message, risk);
    });
    wider = renderedFix(model, changes, { verified: unverified.length === 0, risks: [...risks.values()] });
  }
  // Unverified, the rule is no answer yet: the message names the findings it leaves refused
  // (something other than the group refuses them too, which their own fixes open).
  const message = !wider
    ? lead
    : unverified.length === 0
      ? `${lead} One rule for the range lets them all through, and the next ones (verified over every one of those findings).`
      : `${lead} One rule for the range would admit them and the next ones, but it is not verified: simulated, it leaves the connections to ${listedPorts(unverified)} refused.`;
  const answer = { loadBalancer: set.loadBalancer, ports: set.ports, range, message, fix: wider };
  // Without a fix of its own, a member leaves the rule to the next one that has one.
  if (wider) set.answer = answer;
  return answer;
}

/**
 * The change with every rule or allow entry for exactly `port` (TCP) opened to `range` instead. A
 * deny is kept as it is: one re-created after the entry an allow replaces (a deny at rule 1)
 * refuses the others what it refused before, and widened it would refuse them the whole range.
 */
function widenedChange(change: FixChange, port: number, range: { from: number; to: number }): FixChange {
  if (change.action === 'AuthorizeSecurityGroupIngress' || change.action === 'AuthorizeSecurityGroupEgress') {
    const params = change.params as unknown as AuthorizeSecurityGroupParams;
    const IpPermissions = (params.IpPermissions ?? []).map((p) =>
      p.FromPort === port && p.ToPort === port ? { ...p, FromPort: range.from, ToPort: range.to } : p,
    );
    return { ...change, params: { ...params, IpPermissions } as unknown as FixChange['params'] };
  }
  const params = change.params as unknown as NetworkAclEntryParams;
  if (params.RuleAction === 'allow' && params.PortRange?.From === port && params.PortRange.To === port) {
    return { ...change, params: { ...params, PortRange: { From: range.from, To: range.to } } as unknown as FixChange['params'] };
  }
  return change;
}

/** Up to six ports, then how many more. */
function listedPorts(ports: readonly number[]): string {
  const shown = ports.slice(0, 6).join(', ');
  return ports.length > 6 ? `${shown} and ${ports.length - 6} more` : shown;
}
