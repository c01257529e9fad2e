import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import type { IpAddress } from '../ip/ip-address';
import { describeInterfaceOwner, isNatGatewayOwner, usesFullEphemeralRange } from '../network/interface-owner';
import type { NetworkModel } from '../network/network-model';
import type { NetworkInterface } from '../network/snapshot';
import { EPHEMERAL_PORT_FLOOR } from '../flow-log/port-collapse';
import { PROTOCOL_TCP, describeTraffic } from '../network/protocol';
import { servicePortSide } from './flow-ports';
import type { ReturnTrafficIndex } from './return-traffic-index';
import { type SecurityGroupContext, evaluateSecurityGroups, portOpenToAnyPeer } from './security-group-evaluator';

/** TCP flag bits as VPC Flow Logs report them (ACK is only reported together with SYN). */
export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_ACK = 16;

/** How a flow was recognised as return traffic, or as the initiator's packets. */
export type ReturnTrafficSignal = 'tcp-flags' | 'reverse-accept' | 'service-port';

export interface ReturnTrafficDecision {
  returnTraffic: boolean;
  /** The signal that decided; null when nothing pointed to return traffic. Of `unrequested` packets, what called them replies. */
  signal: ReturnTrafficSignal | null;
  /**
   * Set when the packets are return traffic only if a security-group rule the snapshot cannot
   * decide (a prefix list without entries, a group of another account) let the other side's
   * packets open the connection: why it cannot be told. Null when decided.
   */
  undecided: string | null;
  /**
   * Of inbound packets `tcp-flags` or the service port call replies: true when the index holds
   * ACCEPT flows of the interface and none is the request these packets would answer
   * (`ReturnTrafficIndex.lacksReverse`). From an internet peer to an interface with security groups
   * they are then not return traffic (`returnTraffic` false, `signal` still naming what called them
   * replies): the groups track no connection they answer and judge them as a new one. From any other
   * peer they stay return traffic. False otherwise.
   */
  unrequested: boolean;
}

/**
 * Decides whether the flow's packets are the RESPONDER's side of a connection the other side
 * opened (return traffic). The initiator's packets are never return traffic. Who opened the
 * connection is decided from what the records say before the guess port order makes:
 *
 * 1. `tcp-flags` of the flow (TCP, field present): flow logs report ACK only together with SYN,
 *    so bit 16 (SYN-ACK, value 18) means the packets answer a SYN: return traffic. SYN (2)
 *    without ACK means these packets open connections: not return traffic, whatever follows.
 *    Other values (0 for mid-connection packets, FIN 1, RST 4, and their ORs) decide nothing.
 * 2. `reverse-accept`: the reverse flow (addresses and ports swapped) was ACCEPTed at the same
 *    interface (see `ReturnTrafficIndex`). Who opened that connection, first that tells:
 *    a. the reverse flow's `tcp-flags`: SYN without ACK, it opened (these packets are the
 *       replies); an ACK bit, it answered (these packets are the requests);
 *    b. for an egress flow, the interface's security groups: the accepted reverse came IN, so it
 *       was either a new connection to this interface's port (inbound rules admit it) or the
 *       reply to this interface's request (outbound rules admit the request). When the inbound
 *       rules admit it, this interface serves that port and these packets are its replies —
 *       also to a client port below the service port (5432 → 1024: load balancers and NAT
 *       gateways use 1024–65535); when only the outbound rules do, these are its requests;
 *       when the inbound rules cannot tell (an ICMP rule of some types, flow logs recording
 *       none; a prefix list without entries), they may have admitted it, and the next step decides;
 *    c. port order: the packets do not go TO the service port (the shared collapse rule);
 *    d. for an ingress flow to what port order calls its service port: the accepted reverse went
 *       OUT from that port. When it is an ephemeral port (≥ 1024) that no inbound rule of the
 *       interface's groups opens to anyone, the reverse cannot have answered a connection to it:
 *       it was this interface's request (its outbound rules let it out), and these packets are
 *       the replies — also from a service port above the client port (gRPC's 50051 → 40000).
 * 3. `service-port`: the packet comes FROM the service port and goes to an ephemeral port (the
 *    shared collapse rule), and the interface's security groups allow that service in the other
 *    direction — for ingress, egress to the peer on the service port (this interface opened the
 *    connection); for egress, ingress from the peer on the service port (the peer opened it).
 *    Port order does not decide which port is the service when a TCP packet goes to a load
 *    balancer or NAT gateway (the peer of an egress flow, the capturing interface of an ingress
 *    one): their client ports span 1024–65535, so a destination port in that range may be the
 *    client's below the service port (8080 → 1500). When the groups admit the other way the
 *    source port from the peer but not the destination port, the source port is the service and
 *    these packets its replies; when they admit both (all ports from the peer), nothing tells a
 *    reply from a request to the peer's port (a listener), and port order stands.
 *    Port order does not stand either when the groups serve the destination port: this
 *    direction's rules admit it from the peer and not the source port, and the other direction's
 *    admit the peer's destination port too, so they do not single out the source port — a client
 *    port below the service port (40000 → 50051): a request.
 *    Likewise for an ingress flow to an ephemeral port (≥ 1024) that no inbound rule opens to
 *    anyone, from a higher port of the peer (gRPC's 50051 → 40000, the request not in the logs):
 *    when the outbound rules let the interface reach the peer's port but not the other, the
 *    peer's port is the service and these packets its replies.
 *    A NAT gateway has no groups to ask, and needs none: it accepts no connection from outside,
 *    so what comes in to its own address from a service port, on a port of its 1024–65535,
 *    answers a connection it opened — from a port above its own too (8443 → 1500) when the
 *    logs hold what it sent there; without that, port order stands (a probe of 3389 from an
 *    ephemeral port looks the same).
 *
 * Where the groups' answer would make the packets return traffic but a rule cannot be decided
 * (a prefix list without entries, a group reference the snapshot cannot resolve), nothing else
 * deciding, the decision is not return traffic with `undecided` set: a security group that
 * refuses the packets as a new connection may still have let them through as replies.
 *
 * Ingress return traffic not told from its accepted request also says whether the index shows
 * that request missing (`unrequested`, see `ReturnTrafficIndex.lacksReverse`): the reverse key it
 * looks up is the one the index holds its ACCEPT flows by, so nothing else keys the flows again.
 * A security group passes the replies of the connections it tracks, and only those: packets from
 * an internet peer that answer nothing the interface sent (a scanner sending from 443 or 53 to pass
 * for replies, a SYN-ACK answering a spoofed SYN) are a new inbound connection to its groups, so
 * such a decision is not return traffic. Packets from the VPCs' own address space keep the reading
 * port order or flags give them: there the engine knows no sender of unsolicited replies (the
 * verdict, though, is left open where the groups would refuse them as new: see `explainFlow`).
 */
export function detectReturnTraffic(
  model: NetworkModel,
  flow: FlowAggregate,
  direction: Direction,
  peer: IpAddress,
  index: ReturnTrafficIndex | undefined,
): ReturnTrafficDecision {
  const decision = decideReturnTraffic(model, flow, direction, peer, index);
  // A reply recognised from its accepted request has one; otherwise ask whether the interface's ACCEPT records lack it.
  if (!decision.returnTraffic || direction !== 'ingress' || decision.signal === 'reverse-accept' || !index?.lacksReverse(flow))
    return decision;
  const unrequested = model.isInternetPeer(peer) && model.securityGroupsOf(flow.interfaceId).length > 0 ? UNREQUESTED_NEW : UNREQUESTED;
  return decision.signal === 'tcp-flags' ? unrequested.tcpFlags : unrequested.servicePort;
}

function decideReturnTraffic(
  model: NetworkModel,
  flow: FlowAggregate,
  direction: Direction,
  peer: IpAddress,
  index: ReturnTrafficIndex | undefined,
): ReturnTrafficDecision {
  if (flow.protocol === PROTOCOL_TCP && flow.tcpFlags !== null) {
    if (flow.tcpFlags & TCP_ACK) return RETURN_TRAFFIC.tcpFlags;
    if (flow.tcpFlags & TCP_SYN) return NOT_RETURN_TRAFFIC;
  }
  const side = servicePortSide(flow);
  const groups = model.securityGroupsOf(flow.interfaceId);
  const ctx: SecurityGroupContext = {
    vpcId: model.interfaceVpcId(flow.interfaceId),
    subnetId: model.interface(flow.interfaceId)?.SubnetId ?? null,
  };
  const opposite: Direction = direction === 'ingress' ? 'egress' : 'ingress';
  let undecided: string | null = null;
  const reverse = index?.acceptedReverse(flow);
  if (reverse) {
    if (flow.protocol === PROTOCOL_TCP && reverse.tcpFlags !== null) {
      if (reverse.tcpFlags & TCP_ACK) return NOT_RETURN_TRAFFIC;
      if (reverse.tcpFlags & TCP_SYN) return RETURN_TRAFFIC.reverseAccept;
    }
    if (direction === 'egress' && groups.length > 0) {
      const inbound = evaluateSecurityGroups(model, groups, opposite, flow.protocol, flow.srcport, peer, ctx);
      if (inbound.allowed === true) return RETURN_TRAFFIC.reverseAccept;
      // Inbound rules that cannot decide (an ICMP type-specific rule, a prefix list without entries)
      // may have admitted it: only when they refuse it do the outbound rules make these requests.
      if (inbound.allowed === 'uncertain') undecided = inbound.reason;
      else if (evaluateSecurityGroups(model, groups, 'egress', flow.protocol, flow.dstport, peer, ctx).allowed === true) {
        return NOT_RETURN_TRAFFIC;
      }
    }
    // A reverse ACCEPT says a connection got through one way, not who opened it: packets going TO
    // the service port are the initiator's even then (an accepted reply earlier in the window, a
    // request refused later after a rule change).
    if (side !== 'dst') return RETURN_TRAFFIC.reverseAccept;
    if (direction === 'ingress' && servesNobody(model, groups, flow.protocol, flow.dstport)) return RETURN_TRAFFIC.reverseAccept;
    // A NAT gateway serves no port: what it sent out to the peer's port, the peer's answers come back from.
    if (direction === 'ingress' && groups.length === 0 && toNatGateway(model, flow)) return RETURN_TRAFFIC.reverseAccept;
  }
  const fromServicePort =
    side === 'src' ||
    (side === 'dst' &&
      flow.protocol === PROTOCOL_TCP &&
      groups.length > 0 &&
      (toFullRangeClient(model, flow, direction, peer) ||
        (direction === 'ingress' && servesNobody(model, groups, flow.protocol, flow.dstport))) &&
      evaluateSecurityGroups(model, groups, opposite, flow.protocol, flow.dstport, peer, ctx).allowed === false);
  if (fromServicePort && flow.srcport !== null && groups.length > 0) {
    // Would the groups have let the other side's packets open the connection, to or from the source port?
    const result = evaluateSecurityGroups(model, groups, opposite, flow.protocol, flow.srcport, peer, ctx);
    if (result.allowed === true && !(side === 'src' && servesDestination(model, groups, flow, direction, peer, ctx)))
      return RETURN_TRAFFIC.servicePort;
    if (result.allowed === 'uncertain') undecided ??= result.reason;
  }
  if (groups.length === 0 && side === 'src' && direction === 'ingress' && toNatGateway(model, flow)) return RETURN_TRAFFIC.servicePort;
  if (undecided === null) return NOT_RETURN_TRAFFIC;
  const other = `${opposite} ${describeTraffic(flow.protocol, flow.srcport)} ${opposite === 'ingress' ? 'from' : 'to'} ${peer.key}`;
  return {
    returnTraffic: false,
    signal: null,
    unrequested: false,
    undecided: `the packets are return traffic if ${groups.join(', ')} let the connection open the other way (${other}), which the snapshot cannot tell: ${undecided}`,
  };
}

/**
 * Do the groups tell that the destination port is the service, whatever port order says: this
 * direction's rules admit the destination port from the peer and not the source port, and the
 * other direction's admit the peer's destination port too (they do not single out the source port
 * as a service the interface reached). A client port below the service port (40000 → 50051, the
 * groups serving 50051 and letting everything out) is then a request, not a reply from 40000.
 */
function servesDestination(
  model: NetworkModel,
  groups: readonly string[],
  flow: FlowAggregate,
  direction: Direction,
  peer: IpAddress,
  ctx: SecurityGroupContext,
): boolean {
  if (flow.srcport === null || flow.dstport === null) return false;
  const admits = (way: Direction, port: number) =>
    evaluateSecurityGroups(model, groups, way, flow.protocol, port, peer, ctx).allowed === true;
  const opposite: Direction = direction === 'ingress' ? 'egress' : 'ingress';
  return admits(direction, flow.dstport) && !admits(direction, flow.srcport) && admits(opposite, flow.dstport);
}

/**
 * Does the packet go to a client port (1024–65535) of a load balancer or NAT gateway: for ingress
 * the capturing interface, for egress the interface whose private address the peer is (in the
 * interface's VPC or one peered with it)?
 */
function toFullRangeClient(model: NetworkModel, flow: FlowAggregate, direction: Direction, peer: IpAddress): boolean {
  if (flow.dstport === null || flow.dstport < EPHEMERAL_PORT_FLOOR) return false;
  const clients = fullRangeClients(model);
  if (direction === 'ingress') return clients.has(flow.interfaceId);
  if (clients.size === 0) return false;
  const vpcId = model.interfaceVpcId(flow.interfaceId);
  const owners = model.interfacesByPrivateAddress(peer, vpcId === null ? null : model.reachableVpcs(vpcId));
  return owners.some((eni) => clients.has(eni.NetworkInterfaceId));
}

/** By the snapshot's list of interfaces (a fix's what-if snapshot shares it): the ids of the load balancers' and NAT gateways'. */
const FULL_RANGE_CLIENTS = new WeakMap<readonly NetworkInterface[], ReadonlySet<string>>();
const NO_INTERFACES: readonly NetworkInterface[] = [];

/** The ids of the model's load balancer and NAT gateway interfaces, found once per list of interfaces (a diagnosis asks per flow). */
function fullRangeClients(model: NetworkModel): ReadonlySet<string> {
  const list = model.snapshot.NetworkInterfaces ?? NO_INTERFACES;
  let ids = FULL_RANGE_CLIENTS.get(list);
  if (!ids) {
    const found = new Set<string>();
    for (const eni of model.interfaces()) if (usesFullEphemeralRange(describeInterfaceOwner(eni))) found.add(eni.NetworkInterfaceId);
    FULL_RANGE_CLIENTS.set(list, (ids = found));
  }
  return ids;
}

/** Does the packet go to a port of 1024–65535 at the capturing interface's own address, and is that interface a NAT gateway's? */
function toNatGateway(model: NetworkModel, flow: FlowAggregate): boolean {
  if (flow.dstport === null || flow.dstport < EPHEMERAL_PORT_FLOOR || !isNatGatewayOwner(model.interfaceOwner(flow.interfaceId)))
    return false;
  const dst = model.address(flow.dstaddr);
  return dst !== null && model.isInterfaceAddress(flow.interfaceId, dst);
}

/**
 * Is `port` an ephemeral port (≥ 1024) that no inbound rule of the groups opens to any peer? False
 * when the interface has no groups or one of them is not in the snapshot (its rules are unknown).
 */
function servesNobody(model: NetworkModel, groups: readonly string[], protocol: number, port: number | null): boolean {
  if (port === null || port < EPHEMERAL_PORT_FLOOR || groups.length === 0) return false;
  if (groups.some((groupId) => model.groupRules(groupId, 'ingress') === undefined)) return false;
  return !portOpenToAnyPeer(model, groups, 'ingress', protocol, port);
}

/** A decision with nothing undecided, shared by every flow it fits (frozen). */
const decided = (returnTraffic: boolean, signal: ReturnTrafficSignal | null, unrequested = false): ReturnTrafficDecision =>
  Object.freeze({ returnTraffic, signal, undecided: null, unrequested });
const NOT_RETURN_TRAFFIC = decided(false, null);
const RETURN_TRAFFIC = Object.freeze({
  tcpFlags: decided(true, 'tcp-flags'),
  reverseAccept: decided(true, 'reverse-accept'),
  servicePort: decided(true, 'service-port'),
});
/** Replies whose request the index shows missing (a reply told from its accepted request never is). */
const UNREQUESTED = Object.freeze({
  tcpFlags: decided(true, 'tcp-flags', true),
  servicePort: decided(true, 'service-port', true),
});
/** The same from an internet peer to an interface with groups: a new connection to them, named by what called it a reply. */
const UNREQUESTED_NEW = Object.freeze({
  tcpFlags: decided(false, 'tcp-flags', true),
  servicePort: decided(false, 'service-port', true),
});
