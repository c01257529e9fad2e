import { explainFlow } from '../evaluate/explain-flow';
import type { BlockingControl, FlowVerdict } from '../evaluate/verdict';
import { type ExplainedFlow, localAddressOf, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { controlIdentity } from '../findings/fingerprint.util';
import { findPeerInterface } from '../findings/peer-lookup';
import { clientPortRangeOf } from '../findings/service-port.util';
import type { FlowAggregate } from '../flow-log/flow-record';
import { whatIfRecord } from '../flow-log/what-if-record';
import type { NetworkModel } from '../network/network-model';
import type { NetworkInterface } from '../network/snapshot';
import type { FixChange } from './fix';
import { icmpTypeOfGroup } from './icmp-type.util';
import type { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { type BlockedReply, blockedReplies, replyNetworkAclChanges } from './reply-path';
import { type PeerNaming, networkAclChanges, securityGroupChange } from './suggest-changes';

/**
 * The other end of a finding's connections, where that end is an interface of the snapshot: the
 * connections' requests as that interface sees them (sends or receives), one per pair of
 * addresses, with the ports the group's flows observed. A `FindingGroup` of its own, so the fix
 * builders and `blockedReplies` take it as they take observed flows.
 */
export interface FarEnd {
  group: FindingGroup;
}

/** What a fix does at the far end: the controls there that refuse the connections, and the changes that open them. */
export interface FarEndPlan extends FarEnd {
  blockedBy: BlockingControl[];
  changes: FixChange[];
}

/** A request that evidently passed the peer's side: the peer sent it, and the finding's flows show it arrived or was answered. */
const PROVEN: FlowVerdict = { verdict: 'allowed', direction: 'egress', returnTraffic: false, blockedBy: [] };

/**
 * The peer's interface when the far end is one sgdoctor may change: an interface of the snapshot
 * at that private address (the capturing VPC or one peered with it) owned by the same account as
 * the capturing interface.
 */
function peerInterfaceOf(model: NetworkModel, capturingEniId: string, address: string): NetworkInterface | undefined {
  const peer = findPeerInterface(model, capturingEniId, address);
  if (!peer) return undefined;
  const owner = model.interface(capturingEniId)?.OwnerId;
  return owner && peer.OwnerId && owner !== peer.OwnerId ? undefined : peer;
}

interface Pair {
  peerEni: string;
  client: string;
  server: string;
  clientPorts: { from: number; to: number } | null;
}

/**
 * The far end of a rule group, or null when it has none to check. Which part of the path the
 * finding's flows leave unproven decides what the far end holds:
 * - a request refused on its way out (egress, not return traffic): the request never reached the
 *   peer, so the peer's subnet NACL inbound and security groups inbound are checked (its request
 *   here, explained at the peer), and the reply's way out through the peer's subnet NACL;
 * - a request refused on arrival (ingress), or a reply refused on its way out (egress return
 *   traffic): the request left the client, so only the reply's way in through the client's subnet
 *   NACL is (its request here, already let out);
 * - a reply refused on arrival: the request got through and the answer left the server: nothing.
 * Peers that are not interfaces of the snapshot (the internet, another account) have no far end.
 * One request per pair of addresses, its client ports those of all the pair's flows: the work is
 * per peer interface, not per flow.
 */
export function farEndOf(model: NetworkModel, group: FindingGroup): FarEnd | null {
  if (group.blockedBy.control === 'block-public-access') return null;
  if (group.returnTraffic && group.direction === 'ingress') return null;
  const peerIsServer = group.direction === 'egress' && !group.returnTraffic;
  const pairs = new Map<string, Pair | null>();
  for (const item of group.flows) {
    const local = localAddressOf(item);
    const peer = peerAddressOf(item);
    const key = `${item.flow.interfaceId} ${local} ${peer}`;
    let pair = pairs.get(key);
    if (pair === undefined) {
      const eni = peerInterfaceOf(model, item.flow.interfaceId, peer);
      pair = eni
        ? {
            peerEni: eni.NetworkInterfaceId,
            client: peerIsServer ? local : peer,
            server: peerIsServer ? peer : local,
            clientPorts: null,
          }
        : null;
      pairs.set(key, pair);
    }
    if (pair) pair.clientPorts = widened(pair.clientPorts, clientPortRangeOf(item.flow, group.returnTraffic));
  }
  const icmpType = icmpTypeOfGroup(group);
  const flows: ExplainedFlow[] = [];
  for (const pair of pairs.values()) {
    if (!pair) continue;
    const flow = requestAt(group, pair, peerIsServer, icmpType);
    flows.push({ flow, verdict: peerIsServer ? explainFlow(model, flow) : PROVEN });
  }
  if (!flows.length) return null;
  return {
    group: {
      fingerprint: group.fingerprint,
      blockedBy: group.blockedBy,
      alsoBlockedBy: [],
      direction: peerIsServer ? 'ingress' : 'egress',
      protocol: group.protocol,
      port: group.port,
      returnTraffic: false,
      flows,
    },
  };
}

function widened(
  range: { from: number; to: number } | null,
  more: { from: number; to: number } | null,
): { from: number; to: number } | null {
  if (!range) return more;
  if (!more) return range;
  return { from: Math.min(range.from, more.from), to: Math.max(range.to, more.to) };
}

/** The pair's request as the peer's flow log would write it: to the service port, from the client's observed ports (a SYN for TCP). */
function requestAt(group: FindingGroup, pair: Pair, peerIsServer: boolean, icmpType: number | null): FlowAggregate {
  return whatIfRecord({
    interfaceId: pair.peerEni,
    direction: peerIsServer ? 'ingress' : 'egress',
    srcaddr: pair.client,
    dstaddr: pair.server,
    protocol: group.protocol,
    reply: false,
    action: 'REJECT',
    servicePort: group.port,
    clientPorts: pair.clientPorts,
    icmpType,
  });
}

const PATH_RANK: Record<BlockingControl['control'], number> = { 'network-acl': 0, 'security-group': 1, 'block-public-access': 2 };

function compareControls(a: BlockingControl, b: BlockingControl): number {
  const rank = PATH_RANK[a.control] - PATH_RANK[b.control];
  if (rank) return rank;
  if (a.control === 'network-acl' && b.control === 'network-acl') {
    return a.networkAclId < b.networkAclId ? -1 : a.networkAclId > b.networkAclId ? 1 : a.ruleNumber - b.ruleNumber;
  }
  const ka = a.control === 'security-group' ? a.groupIds.join(',') : '';
  const kb = b.control === 'security-group' ? b.groupIds.join(',') : '';
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The distinct controls that refuse the far end's requests, in path order (the subnet's NACL, then the groups), ids ascending. */
function requestControls(farEnd: FarEnd): BlockingControl[] {
  const found = new Map<string, BlockingControl>();
  for (const { verdict } of farEnd.group.flows) {
    if (verdict.verdict !== 'blocked') continue;
    for (const control of verdict.blockedBy) {
      const normal = control.control === 'security-group' ? { ...control, groupIds: [...control.groupIds].sort() } : control;
      found.set(`${normal.direction} ${controlIdentity(normal)}`, normal);
    }
  }
  return [...found.values()].sort(compareControls);
}

/** The NACL entries that drop the far end's replies, one per NACL and first deny, NACL ids ascending. */
function replyControls(replies: BlockedReply[]): BlockingControl[] {
  const found = new Map<string, BlockingControl>();
  for (const reply of replies) {
    const control: BlockingControl = {
      control: 'network-acl',
      direction: reply.direction,
      networkAclId: reply.networkAclId,
      ruleNumber: reply.firstDeny,
    };
    found.set(controlIdentity(control), control);
  }
  return [...found.values()].sort(compareControls);
}

/**
 * The same far end judged on `model` (a fix's what-if copy): the requests the peer receives
 * explained there again; those it sent stay proven. The requests themselves do not change.
 */
export function farEndOn(model: NetworkModel, farEnd: FarEnd): FarEnd {
  if (farEnd.group.direction !== 'ingress') return farEnd;
  return { group: { ...farEnd.group, flows: farEnd.group.flows.map(({ flow }) => ({ flow, verdict: explainFlow(model, flow) })) } };
}

/** The controls of the far end that refuse its requests, then its replies; empty when it lets them through. */
export function farEndBlockedBy(model: NetworkModel, farEnd: FarEnd, replies = blockedReplies(model, farEnd.group)): BlockingControl[] {
  return [...requestControls(farEnd), ...replyControls(replies)];
}

/**
 * What a group's fix must also change at the far end (`farEndOf`): the controls there that refuse
 * the connections, and for each the change the fix builders make for a REJECT logged there — a
 * reference to the client's group in the server's groups, NACL entries numbered before the first
 * deny that matches (clear of `pending` and the run's `ledger`), the client's ephemeral range for
 * replies. Null when there is no far end, or it refuses nothing (the fix stays as it was).
 */
export function planFarEnd(
  model: NetworkModel,
  group: FindingGroup,
  pending: readonly FixChange[],
  ledger: NaclRuleNumberLedger,
  naming: PeerNaming,
): FarEndPlan | null {
  const farEnd = farEndOf(model, group);
  if (!farEnd) return null;
  const replies = blockedReplies(model, farEnd.group);
  const blockedBy = farEndBlockedBy(model, farEnd, replies);
  if (!blockedBy.length) return null;
  const changes: FixChange[] = [];
  for (const control of requestControls(farEnd)) {
    if (control.control === 'security-group') {
      const change = securityGroupChange(model, farEnd.group, control, naming);
      if (change) changes.push(change);
    } else if (control.control === 'network-acl') {
      changes.push(...(networkAclChanges(model, farEnd.group, control, ledger, [...pending, ...changes]) ?? []));
    }
  }
  changes.push(...replyNetworkAclChanges(model, farEnd.group, [...pending, ...changes], ledger, replies));
  return { group: farEnd.group, blockedBy, changes };
}
