import { isBruteForcer } from '../classify/detect-signals';
import type { PeerFacts, SignalFacts } from '../classify/signal-facts';
import { SIGNAL_THRESHOLDS } from '../classify/signals';
import type { BlockingControl } from '../evaluate/verdict';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import { describeControl } from '../findings/finding-text';
import { type FindingGroup, groupBlockedFlows } from '../findings/finding-group';
import type { NetworkModel } from '../network/network-model';
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

function note(reason: FixNote['reason'], message: string, excluded: PeerFacts[]): FixNote {
  const examples = [...excluded]
    .sort((a, b) => b.records - a.records || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .slice(0, FIX_SCOPE.noteExamples)
    .map((p) => p.address);
  return { reason, message, excludedPeers: excluded.length, examples };
}

/**
 * The fix of a finding limited to its legitimate peers (`suspectReason`), and a note whenever that
 * leaves peers out or withholds the fix: the flows of suspect peers are dropped from the group
 * before the fix is built and verified, so `verified` speaks for the legitimate peers' flows. No
 * fix when every peer is a suspect, or when the legitimate peers need more than
 * `FIX_SCOPE.maxPeerSources` peer sources — never a rule list of hundreds of internet addresses.
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
  const excluded = scope.suspects;
  const left = new Set(excluded.map((p) => p.address));
  if (excluded.length > 0 && excluded.length === scope.peerCount) {
    return {
      fix: null,
      farEndBlockedBy: [],
      note: note(
        'no-legitimate-peers',
        `No fix: all ${excluded.length} peers scan, guess passwords or probe once from the internet; opening the port to them is not a remedy.`,
        excluded,
      ),
    };
  }
  // Regrouped from the kept flows (one group: they share the fingerprint), so a further control
  // that only the suspects' flows met is not changed for them.
  const scoped: FindingGroup = left.size ? groupBlockedFlows(group.flows.filter((item) => !left.has(peerAddressOf(item))))[0] : group;
  const proposal = proposeFix(model, scoped, verify, ledger, FIX_SCOPE.maxPeerSources);
  if (proposal.fix === null && proposal.reason === 'too-many-peers') {
    return {
      fix: null,
      farEndBlockedBy: [],
      note: note(
        'too-many-peers',
        `No fix: the ${scope.peerCount - excluded.length} legitimate peers need ${proposal.peerSources} CIDRs or groups, more than the ${FIX_SCOPE.maxPeerSources} a fix may name.`,
        excluded,
      ),
    };
  }
  const farEndBlockedBy = proposal.fix ? proposal.farEndBlockedBy : [];
  if (!excluded.length) return { fix: proposal.fix, note: null, farEndBlockedBy };
  return {
    fix: proposal.fix,
    farEndBlockedBy,
    note: note(
      'suspect-peers-left-out',
      `The fix covers ${scope.peerCount - excluded.length} legitimate peers; ${excluded.length} peers that scan, guess passwords or probe once from the internet are left out.`,
      excluded,
    ),
  };
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
  let records = 0;
  let total = 0;
  const gateways = new Set<string>();
  const addresses = new Set<string>();
  for (const { explained, signals } of flows) {
    total += explained.flow.records;
    if (!signals.includes('to-nat-gateway')) continue;
    records += explained.flow.records;
    gateways.add(model.interfaceOwner(explained.flow.interfaceId) ?? explained.flow.interfaceId);
    addresses.add(explained.flow.dstaddr);
  }
  if (records === 0) return null;
  const share = records === total ? `its ${records} records` : `${records} of its ${total} records`;
  const list = (values: Set<string>) => [...values].sort().join(', ');
  return {
    reason: 'to-nat-gateway',
    message: `No rule change: ${share} are connections opened towards NAT gateway ${list(gateways)} itself (${list(addresses)}). A NAT gateway accepts no connection addressed to it, it only forwards what the instances behind it send out and the answers to that, so no network ACL entry would let these through.`,
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
