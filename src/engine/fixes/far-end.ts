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
import { transitGatewayRouteOf } from '../evaluate/transit-gateway-subnet';
import { type AttachmentCrossing, controlOf, transitGatewayAttachmentCrossings } from '../path/analyze-path';
import { icmpReplyType } from '../network/icmp-type';
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
  /** The pairs whose path crosses a transit gateway: its attachment subnets apart from the ends stand on it too (`farEndCrossings`). */
  transit?: TransitPair[];
}

/** A pair of interfaces a transit gateway connects, as the far end's attachment subnets are judged for it. */
export interface TransitPair {
  clientEni: string;
  client: string;
  serverEni: string;
  server: string;
  clientPorts: { from: number; to: number } | null;
  /** The request is still to prove (the peer is the server): its crossings count, not only the reply's. */
  request: boolean;
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
 * at that private address owned by the same account as the capturing interface, in the capturing
 * VPC or one peered with it, or in a VPC a transit gateway connects it with (`acrossTransitGateway`).
 */
function peerInterfaceOf(
  model: NetworkModel,
  capturingEniId: string,
  local: string,
  address: string,
): { eni: NetworkInterface; transit: boolean } | undefined {
  const owner = model.interface(capturingEniId)?.OwnerId;
  const sameOwner = (eni: NetworkInterface): boolean => !(owner && eni.OwnerId && owner !== eni.OwnerId);
  const peer = findPeerInterface(model, capturingEniId, address);
  if (peer) return sameOwner(peer) ? { eni: peer, transit: false } : undefined;
  const across = acrossTransitGateway(model, capturingEniId, local, address);
  return across && sameOwner(across) ? { eni: across, transit: true } : undefined;
}

/**
 * The interface holding private address `address` in a VPC that the capturing interface's VPC
 * reaches through a transit gateway, where the snapshot tells the route both ways: the capturing
 * subnet's route table sends `address` to a transit gateway, the peer's subnet's table sends
 * `local` back to one, and both VPCs have a live attachment to each of them. Undefined otherwise
 * (no route tables, no such route, a VPC not attached): the far end is then not known.
 */
function acrossTransitGateway(model: NetworkModel, capturingEniId: string, local: string, address: string): NetworkInterface | undefined {
  const ip = model.address(address);
  const own = model.address(local);
  const subnetId = model.interface(capturingEniId)?.SubnetId;
  const vpcId = model.interfaceVpcId(capturingEniId);
  if (!ip || !own || !subnetId || !vpcId || model.isInternetPeer(ip)) return undefined;
  const reachable = model.reachableVpcs(vpcId);
  const attached = (gatewayId: string | null, peerVpc: string): boolean =>
    gatewayId !== null &&
    [vpcId, peerVpc].every((vpc) =>
      model.transitGatewayVpcAttachments(gatewayId, vpc).some((a) => ['available', 'modifying'].includes(a.State ?? 'available')),
    );
  return model.interfacesByPrivateAddress(ip).find((eni) => {
    const peerVpc = model.interfaceVpcId(eni.NetworkInterfaceId);
    if (!peerVpc || reachable.has(peerVpc) || !eni.SubnetId) return false;
    return (
      attached(transitGatewayRouteOf(model, subnetId, ip), peerVpc) && attached(transitGatewayRouteOf(model, eni.SubnetId, own), peerVpc)
    );
  });
}

interface Pair {
  capturingEni: string;
  peerEni: string;
  transit: boolean;
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
 * A peer in a VPC reached through a transit gateway (see `acrossTransitGateway`) is one too, and
 * its pairs (`transit`) add the NACLs of the gateway's attachment subnets apart from the ends, as
 * `why` puts them on the path: the request's and the reply's, or the reply's alone.
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
      const found = peerInterfaceOf(model, item.flow.interfaceId, local, peer);
      pair = found
        ? {
            capturingEni: item.flow.interfaceId,
            peerEni: found.eni.NetworkInterfaceId,
            transit: found.transit,
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
  const transit: TransitPair[] = [];
  for (const pair of pairs.values()) {
    if (!pair) continue;
    const flow = requestAt(group, pair, peerIsServer, icmpType);
    flows.push({ flow, verdict: peerIsServer ? explainFlow(model, flow) : PROVEN });
    if (!pair.transit) continue;
    const [clientEni, serverEni] = peerIsServer ? [pair.capturingEni, pair.peerEni] : [pair.peerEni, pair.capturingEni];
    transit.push({ clientEni, client: pair.client, serverEni, server: pair.server, clientPorts: pair.clientPorts, request: peerIsServer });
  }
  if (!flows.length) return null;
  return {
    ...(transit.length ? { transit } : {}),
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
  return {
    ...farEnd,
    group: { ...farEnd.group, flows: farEnd.group.flows.map(({ flow }) => ({ flow, verdict: explainFlow(model, flow) })) },
  };
}

/**
 * The transit gateway attachment subnets apart from the ends that the far end's connections cross,
 * as `why` puts them on the path (`transitGatewayAttachmentCrossings`): for a request still to
 * prove, the request's and the reply's; else the reply's alone. Empty without transit pairs.
 */
export function farEndCrossings(model: NetworkModel, farEnd: FarEnd): AttachmentCrossing[] {
  const { protocol, port } = farEnd.group;
  const icmpType = icmpTypeOfGroup(farEnd.group);
  const icmp = { request: icmpType, reply: icmpReplyType(protocol, icmpType) };
  const found: AttachmentCrossing[] = [];
  for (const pair of farEnd.transit ?? []) {
    const clientEni = model.interface(pair.clientEni);
    const serverEni = model.interface(pair.serverEni);
    const client = model.address(pair.client);
    const server = model.address(pair.server);
    if (!clientEni || !serverEni || !client || !server) continue;
    found.push(
      ...transitGatewayAttachmentCrossings(
        model,
        { eni: clientEni, address: client },
        { eni: serverEni, address: server },
        protocol,
        port,
        pair.clientPorts,
        icmp,
        { request: pair.request, reply: true },
      ),
    );
  }
  return found;
}

/** The NACL entries of the attachment subnets on the far end's path that refuse its connections, ids ascending. */
function crossingControls(crossings: AttachmentCrossing[]): BlockingControl[] {
  const found = new Map<string, BlockingControl>();
  for (const { hop } of crossings) {
    const control = controlOf(hop);
    if (control) found.set(`${control.direction} ${controlIdentity(control)}`, control);
  }
  return [...found.values()].sort(compareControls);
}

/**
 * The controls of the far end that refuse its requests, then its replies, then the NACLs of a
 * transit gateway's attachment subnets on the way; empty when it lets them through.
 */
export function farEndBlockedBy(model: NetworkModel, farEnd: FarEnd, replies = blockedReplies(model, farEnd.group)): BlockingControl[] {
  const own = [...requestControls(farEnd), ...replyControls(replies)];
  const known = new Set(own.map((c) => `${c.direction} ${controlIdentity(c)}`));
  const crossing = crossingControls(farEndCrossings(model, farEnd)).filter((c) => !known.has(`${c.direction} ${controlIdentity(c)}`));
  return [...own, ...crossing];
}

/**
 * What a group's fix must also change at the far end (`farEndOf`): the controls there that refuse
 * the connections, and for each the change the fix builders make for a REJECT logged there — a
 * reference to the client's group in the server's groups (across a transit gateway only where the
 * reference matches there, else the client's address), NACL entries numbered before the first
 * deny that matches (clear of `pending` and the run's `ledger`), the client's ephemeral range for
 * replies. A transit gateway attachment subnet's NACL that refuses them is among the controls but
 * gets no change: no flow log of the path stands there, so the verification names it
 * (`far-end-blocked`) rather than a guessed entry. Null when there is no far end, or it refuses
 * nothing (the fix stays as it was).
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
  return { ...farEnd, blockedBy, changes };
}
