import { isBruteForcer } from '../classify/detect-signals';
import type { PeerFacts, SignalFacts } from '../classify/signal-facts';
import { SIGNAL_THRESHOLDS } from '../classify/signals';
import { interfacesThroughTransitGateway } from '../evaluate/transit-gateway-reference';
import type { BlockingControl } from '../evaluate/verdict';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import { describeControl } from '../findings/finding-text';
import { type FindingGroup, groupBlockedFlows } from '../findings/finding-group';
import type { NetworkModel } from '../network/network-model';
import { describeTraffic } from '../network/protocol';
import type { NetworkInterface } from '../network/snapshot';
import type { FixNote, SuggestedFix } from './fix';
import type { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { type FixVerifier, proposeFix } from './suggest-fix';

const TCP = 6;

/** Limits of what a fix may open (README, "How a REJECT is attributed": fixes open only to legitimate peers). */
export const FIX_SCOPE = {
  /** A source that hit at least this many ports of one host (across the input's rejected requests) is scanning. */
  scanMinPorts: SIGNAL_THRESHOLDS.portScanMinPorts,
  /** An internet source that hit at least this many hosts is sweeping. */
  sweepMinHosts: SIGNAL_THRESHOLDS.hostSweepMinHosts,
  /** An internet client retried when its ≥ 2 records span at least this many seconds (or, TCP, it retransmitted). */
  retryMinSpanSeconds: SIGNAL_THRESHOLDS.repeatedMinSpanSeconds,
  /** At most this many distinct peer sources (CIDRs, referenced groups) in one fix. */
  maxPeerSources: 10,
  /** Excluded peers a note names. */
  noteExamples: 5,
} as const;

/**
 * Why a peer's own behaviour makes it no candidate for a rule, or null when it is legitimate:
 * - any peer that is not a known interface of the snapshot and port-scanned a host of the input
 *   (≥ `scanMinPorts` ports of one host) — a known interface (a load balancer reaching dynamic
 *   ports, a monitoring agent) never is;
 * - an internet peer that swept hosts (≥ `sweepMinHosts`);
 * - an internet peer guessing passwords: a remote-login service hammered at a rate no person
 *   keeps up (`isBruteForcer`), however it retries;
 * - an internet peer that sent an inbound request without ever retrying: neither ≥ 2 records over
 *   ≥ `retryMinSpanSeconds`, nor (TCP) more packets than records. Refused clients retry; probes do not.
 * Peers of outbound requests and of return traffic are chosen by the snapshot's own interfaces:
 * only the scan rule applies to them.
 */
export function suspectReason(facts: SignalFacts, peer: PeerFacts): 'port-scan' | 'host-sweep' | 'brute-force' | 'one-shot-probe' | null {
  if (!peer.knownEni && peer.maxPortsOnOneHost >= FIX_SCOPE.scanMinPorts) return 'port-scan';
  if (peer.internal) return null;
  if (peer.hostsReached >= FIX_SCOPE.sweepMinHosts) return 'host-sweep';
  if (isBruteForcer(facts, peer)) return 'brute-force';
  const inboundRequest = facts.direction === 'ingress' && !facts.returnTraffic;
  if (!inboundRequest) return null;
  const retried = peer.records >= 2 && peer.lastSeen - peer.firstSeen >= FIX_SCOPE.retryMinSpanSeconds;
  const retransmitted = facts.protocol === TCP && peer.packets > peer.records;
  return retried || retransmitted ? null : 'one-shot-probe';
}

/**
 * What scoping a finding's fix needs of its signal facts: how many peers it has and which of them
 * are suspects (`suspectReason`). Kept instead of the facts until the fix is made, which in an
 * analysis is when persist draws the finding.
 */
export interface FixScopeFacts {
  peerCount: number;
  suspects: PeerFacts[];
}

export function fixScopeFacts(facts: SignalFacts): FixScopeFacts {
  return { peerCount: facts.peers.length, suspects: facts.peers.filter((peer) => suspectReason(facts, peer) !== null) };
}

export interface ScopedFix {
  fix: SuggestedFix | null;
  note: FixNote | null;
  /**
   * The controls at the far end of the path (the peer's subnet NACL and groups, the client's
   * subnet NACL for replies) that refuse the legitimate peers' connections and the fix opens too:
   * further controls for the finding's `alsoBlockedBy`, after the group's own. Empty without a fix.
   */
  farEndBlockedBy: BlockingControl[];
}

/** A peer a fix leaves out, with what ranks it among a note's examples. */
type ExcludedPeer = Pick<PeerFacts, 'address' | 'records'>;

function note(reason: FixNote['reason'], message: string, excluded: readonly ExcludedPeer[]): FixNote {
  const examples = [...excluded]
    .sort((a, b) => b.records - a.records || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .slice(0, FIX_SCOPE.noteExamples)
    .map((p) => p.address);
  return { reason, message, excludedPeers: excluded.length, examples };
}

/**
 * The fix of a finding limited to its legitimate peers, and a note whenever that leaves peers out
 * or withholds the fix. Two kinds of peers are left out: suspects (`suspectReason`), for their own
 * behaviour, and NAT gateways' own addresses that the finding's outbound requests went to
 * (`natGatewayRequested`), which would still refuse them. Their flows are dropped from the group
 * before the fix is built and verified, so `verified` speaks for the other peers' flows. No fix
 * when no peer is left, or when the others need more than `FIX_SCOPE.maxPeerSources` peer sources
 * — never a rule list of hundreds of internet addresses.
 *
 * The note's reason: `to-nat-gateway` when NAT gateways' addresses are all that is left out
 * (with a fix for the others, or none when they were every peer); otherwise the suspects' reason
 * (`suspect-peers-left-out`, `no-legitimate-peers`), whose message then names the gateways too;
 * `too-many-peers` whatever was left out.
 */
export function scopedFix(
  model: NetworkModel,
  group: FindingGroup,
  scope: FixScopeFacts,
  verify: FixVerifier,
  ledger: NaclRuleNumberLedger,
): ScopedFix {
  if (group.blockedBy.control === 'block-public-access') {
    const behind = controlsBehindBlockPublicAccess(group);
    return {
      fix: null,
      farEndBlockedBy: [],
      note: note(
        'block-public-access',
        "No rule change: VPC Block Public Access refused these flows, not a security group or network ACL. To let them through, exclude the subnet or VPC from Block Public Access (an exclusion allowing both directions, or egress only for outbound traffic), or turn the account's blocking off in that region." +
          (behind.flows > 0
            ? ` Excluded from it, ${behind.flows} of its ${group.flows.length} flows would still be refused by ${behind.controls.map(describeControl).join(' and ')}: those need a rule too.`
            : ''),
        [],
      ),
    };
  }
  const bypass = bypassedLoadBalancers(group);
  if (bypass.peers.length > 0) {
    const bypassNote = note('bypassed-load-balancer', bypass.message, bypass.peers);
    if (bypass.flows === group.flows.length) return noFix(bypassNote);
    // The other peers' flows get their fix; the ones that went around the load balancer none.
    const others = group.flows.filter((item) => item.verdict.bypassedLoadBalancer === undefined);
    const left = new Set(others.map(peerAddressOf));
    const facts = { peerCount: left.size, suspects: scope.suspects.filter((p) => left.has(p.address)) };
    const rest = scopedFix(model, groupBlockedFlows(others)[0], facts, verify, ledger);
    return rest.note ? rest : { ...rest, note: bypassNote };
  }
  const suspects = scope.suspects;
  const suspected = new Set(suspects.map((p) => p.address));
  const gateways = requestedNatGateways(model, group, suspected);
  const excluded: ExcludedPeer[] = [...suspects, ...gateways.peers];
  const legitimate = scope.peerCount - excluded.length;
  if (excluded.length > 0 && legitimate === 0) {
    if (suspects.length === 0)
      return noFix(note('to-nat-gateway', `No rule change: ${gatewayRequests(gateways)}. ${WHY_NO_RULE}`, excluded));
    const message = gateways.peers.length
      ? `No fix: of its ${scope.peerCount} peers, ${suspects.length} scan, guess passwords or probe once from the internet, and ${gatewayPeersClause(gateways)}; opening the port to them is not a remedy.`
      : `No fix: all ${suspects.length} peers scan, guess passwords or probe once from the internet; opening the port to them is not a remedy.`;
    return noFix(note('no-legitimate-peers', message, excluded));
  }
  // Regrouped from the kept flows (one group: they share the fingerprint), so a further control
  // that only the left-out peers' flows met is not changed for them.
  const left = new Set(excluded.map((p) => p.address));
  const scoped: FindingGroup = left.size ? groupBlockedFlows(group.flows.filter((item) => !left.has(peerAddressOf(item))))[0] : group;
  const proposal = proposeFix(model, scoped, verify, ledger, FIX_SCOPE.maxPeerSources);
  if (proposal.fix === null && proposal.reason === 'too-many-peers') {
    const alsoGateways = gateways.peers.length ? ` It would leave out ${gatewayPeersClause(gateways)}.` : '';
    return noFix(
      note(
        'too-many-peers',
        `No fix: the ${legitimate} legitimate peers need ${proposal.peerSources} CIDRs or groups, more than the ${FIX_SCOPE.maxPeerSources} a fix may name.${alsoGateways}`,
        excluded,
      ),
    );
  }
  const farEndBlockedBy = proposal.fix ? proposal.farEndBlockedBy : [];
  if (!excluded.length) return { fix: proposal.fix, note: null, farEndBlockedBy };
  const others = `${legitimate} other peer${legitimate === 1 ? '' : 's'}`;
  return {
    fix: proposal.fix,
    farEndBlockedBy,
    note: suspects.length
      ? note(
          'suspect-peers-left-out',
          `The fix covers ${legitimate} legitimate peers; ${suspects.length} peers that scan, guess passwords or probe once from the internet are left out${gateways.peers.length ? `, and so are ${gatewayPeersClause(gateways)}` : ''}.`,
          excluded,
        )
      : note('to-nat-gateway', `The fix covers ${others}; ${gatewayRequests(gateways)} and are left out. ${WHY_NO_RULE}`, excluded),
  };
}

/**
 * The group's flows a security group refused that it admits only as forwarded by a Network Load
 * Balancer, and that came directly (`FlowVerdict.bypassedLoadBalancer`): how many, their peers with
 * their records, and the note's message. A rule admitting those peers would let them around the
 * load balancer the group admits them through: no fix is suggested for them.
 */
function bypassedLoadBalancers(group: FindingGroup): { flows: number; peers: ExcludedPeer[]; message: string } {
  const records = new Map<string, number>();
  const interfaces = new Set<string>();
  const balancers = new Set<string>();
  let flows = 0;
  for (const item of group.flows) {
    const balancer = item.verdict.bypassedLoadBalancer;
    if (balancer === undefined) continue;
    flows++;
    balancers.add(balancer);
    interfaces.add(item.flow.interfaceId);
    const address = peerAddressOf(item);
    records.set(address, (records.get(address) ?? 0) + item.flow.records);
  }
  const peers = [...records].map(([address, records]) => ({ address, records }));
  if (flows === 0) return { flows, peers, message: '' };
  const ids = group.blockedBy.control === 'security-group' ? group.blockedBy.groupIds : [];
  const groups = ids.length === 1 ? `${ids[0]} admits` : ids.length ? `${ids.join(', ')} admit` : 'the security groups admit';
  const names = sortedList(balancers);
  const n = peers.length;
  const message =
    `${flows === group.flows.length ? 'No rule change' : `No rule change for ${n} of the peers`}: ${groups} ` +
    `${describeTraffic(group.protocol, group.port)} from ${n === 1 ? 'its peer' : `its ${n} peers`} ` +
    `(${sortedList(records.keys())}) only as forwarded by network load balancer ${names}, by a rule referencing its group, and ` +
    `nothing else refused these connections: they went to ${sortedList(interfaces)} directly, not through the load balancer. ` +
    `Send them through it; a rule admitting the peers directly would let them around it.`;
  return { flows, peers, message };
}

function noFix(fixNote: FixNote): ScopedFix {
  return { fix: null, note: fixNote, farEndBlockedBy: [] };
}

/** Why no rule change lets a connection to a NAT gateway's own address through, for the notes that say so. */
const NAT_GATEWAY_REFUSES =
  'A NAT gateway accepts no connection addressed to it, it only forwards what the instances behind it send out and the answers to that';
/** Why a rule finding's requests to NAT gateways get no rule change. */
const WHY_NO_RULE = `${NAT_GATEWAY_REFUSES}, so no security group or network ACL rule would let these through.`;

/**
 * The NAT gateway interface whose own address an outbound request (not return traffic) of the
 * finding went to, or undefined: a private address of a NAT gateway's interface in the capturing
 * interface's VPC or a VPC actively peered with it (every VPC of the snapshot when its VPC is
 * unknown) or one its route table reaches through a transit gateway (a central egress VPC), or a
 * NAT gateway's public or Elastic IP. The instance's own control refused it, but
 * the gateway would refuse it next: opening the control lets nothing through. Answers to
 * connections the gateway forwarded are return traffic, judged as any other.
 */
export function natGatewayRequested(model: NetworkModel, item: ExplainedFlow): NetworkInterface | undefined {
  const { flow, verdict } = item;
  if (verdict.direction !== 'egress' || verdict.returnTraffic) return undefined;
  const address = model.address(flow.dstaddr);
  // Most requests go elsewhere: one lookup settles them, with no search of the VPC and its peers.
  if (!address || !model.isNatGatewayAddress(address)) return undefined;
  const vpcId = model.interfaceVpcId(flow.interfaceId);
  const vpcs = vpcId ? new Set([vpcId, ...model.peeredVpcs(vpcId)]) : null;
  const isGateway = (eni: NetworkInterface | undefined): eni is NetworkInterface =>
    eni !== undefined && eni.NetworkInterfaceId !== flow.interfaceId && model.isNatGateway(eni.NetworkInterfaceId);
  const byPrivate = model.interfacesByPrivateAddress(address, vpcs).find(isGateway);
  if (byPrivate) return byPrivate;
  const subnetId = model.interface(flow.interfaceId)?.SubnetId ?? null;
  const acrossHub = vpcId ? interfacesThroughTransitGateway(model, address, vpcId, subnetId).find(isGateway) : undefined;
  if (acrossHub) return acrossHub;
  const byPublic = model.interfaceWithPublicAddress(address);
  return isGateway(byPublic) ? byPublic : undefined;
}

/** The peers of a finding that are NAT gateways' own addresses its requests went to, with the gateways and their records. */
interface RequestedNatGateways {
  /** The peers (addresses asked for), with their records. */
  peers: ExcludedPeer[];
  /** The gateways, by `nat-…` id, else interface id (`natGatewayName`). */
  names: string[];
  records: number;
  totalRecords: number;
}

/** Requests to NAT gateways being counted: records by address asked for, the gateways' names. */
interface GatewayRequestTally {
  byAddress: Map<string, number>;
  names: Set<string>;
  records: number;
  totalRecords: number;
}

const emptyRequests = (): GatewayRequestTally => ({ byAddress: new Map(), names: new Set(), records: 0, totalRecords: 0 });

function countRequest(tally: GatewayRequestTally, address: string, gateway: string, records: number): void {
  tally.records += records;
  tally.byAddress.set(address, (tally.byAddress.get(address) ?? 0) + records);
  tally.names.add(gateway);
}

function finished(tally: GatewayRequestTally): RequestedNatGateways {
  return {
    peers: [...tally.byAddress].map(([address, records]) => ({ address, records })),
    names: [...tally.names].sort(),
    records: tally.records,
    totalRecords: tally.totalRecords,
  };
}

/** The group's peers whose flows are requests to a NAT gateway's own address (`natGatewayRequested`), suspects aside. */
function requestedNatGateways(model: NetworkModel, group: FindingGroup, suspected: ReadonlySet<string>): RequestedNatGateways {
  const tally = emptyRequests();
  for (const item of group.flows) {
    tally.totalRecords += item.flow.records;
    const address = peerAddressOf(item);
    if (suspected.has(address)) continue;
    const gateway = natGatewayRequested(model, item);
    if (gateway) countRequest(tally, address, natGatewayName(model, gateway.NetworkInterfaceId), item.flow.records);
  }
  return finished(tally);
}

/**
 * A NAT gateway named in a note: its `nat-…` id from the interface's description, else the
 * interface id — an interface known as a gateway by its type alone has no name of its own to give,
 * and two of them must not read as one.
 */
function natGatewayName(model: NetworkModel, eniId: string): string {
  const owner = model.interfaceOwner(eniId);
  return owner?.startsWith('nat-') ? owner : eniId;
}

const sortedList = (values: Iterable<string>) => [...values].sort().join(', ');

/** `2 peers, the own addresses of NAT gateway nat-… (a, b), which accepts no connection addressed to it`. */
function gatewayPeersClause(gateways: RequestedNatGateways): string {
  const n = gateways.peers.length;
  const accepts = gateways.names.length === 1 ? 'which accepts' : 'which accept';
  return `${n} peer${n === 1 ? '' : 's'}, the own address${n === 1 ? '' : 'es'} of NAT gateway ${gateways.names.join(', ')} (${sortedList(gateways.peers.map((p) => p.address))}), ${accepts} no connection addressed to ${gateways.names.length === 1 ? 'it' : 'them'}`;
}

/** `4 of its 8 records are connections opened towards NAT gateway nat-… itself (10.0.7.5)`. */
function gatewayRequests(gateways: RequestedNatGateways): string {
  const share =
    gateways.records === gateways.totalRecords
      ? `its ${gateways.records} records`
      : `${gateways.records} of its ${gateways.totalRecords} records`;
  return `${share} are connections opened towards NAT gateway ${gateways.names.join(', ')} itself (${sortedList(gateways.peers.map((p) => p.address))})`;
}

/**
 * Why a campaign's connections opened towards NAT gateways (its flows with the `to-nat-gateway`
 * signal) get no rule change, or null when it has none: a NAT gateway forwards what the instances
 * behind it send out and the answers to that, and accepts no connection addressed to itself, so no
 * NACL entry (nor any group, a NAT gateway carries none) would let them through. Names the
 * gateways and the addresses asked for.
 */
export function natGatewayNote(
  model: NetworkModel,
  flows: readonly { explained: ExplainedFlow; signals: readonly string[] }[],
): FixNote | null {
  const gateways = emptyRequests();
  for (const { explained, signals } of flows) {
    gateways.totalRecords += explained.flow.records;
    if (signals.includes('to-nat-gateway'))
      countRequest(gateways, explained.flow.dstaddr, natGatewayName(model, explained.flow.interfaceId), explained.flow.records);
  }
  if (gateways.records === 0) return null;
  return {
    reason: 'to-nat-gateway',
    message: `No rule change: ${gatewayRequests(finished(gateways))}. ${NAT_GATEWAY_REFUSES}, so no network ACL entry would let these through.`,
    excludedPeers: 0,
    examples: [],
  };
}

/** The distinct controls that would still refuse a Block Public Access group's flows once excluded from it, each flow's in path order. */
function controlsBehindBlockPublicAccess(group: FindingGroup): { flows: number; controls: BlockingControl[] } {
  const controls = new Map<string, BlockingControl>();
  let flows = 0;
  for (const { verdict } of group.flows) {
    if (!verdict.behindBlockPublicAccess?.length) continue;
    flows++;
    for (const control of verdict.behindBlockPublicAccess) controls.set(describeControl(control), control);
  }
  return { flows, controls: [...controls.values()] };
}
