import { evaluateNetworkAcl, evaluateNetworkAclRange } from '../evaluate/network-acl-evaluator';
import { peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { findPeerInterface } from '../findings/peer-lookup';
import { clientPortRangeOf } from '../findings/service-port.util';
import type { Direction } from '../flow-log/flow-record';
import type { IpAddress } from '../ip/ip-address';
import { icmpExpectsReply, icmpReplyType } from '../network/icmp-type';
import type { NetworkModel } from '../network/network-model';
import { rulesHavePorts } from '../network/protocol';
import type { FixChange } from './fix';
import type { NetworkAclEntryParams } from './fix-params';
import { addressFamily } from '../ip/cidr-cover';
import { usesFullEphemeralRange } from '../network/interface-owner';
import { EPHEMERAL_RANGES, ephemeralRangeFor } from './ephemeral-range.util';
import { coverPeersForNacl } from './peer-cover';
import { NaclRuleNumberLedger } from './nacl-rule-number-ledger';
import { icmpTypeOfGroup } from './icmp-type.util';
import { isIcmp } from './protocol.util';
import { freeRuleNumbersBefore } from './rule-number.util';
import { transitGatewayDelivery, transitGatewayInSubnet } from '../evaluate/transit-gateway-subnet';

/** A reply of a request flow that the capturing subnet's NACL drops on its way back. */
export interface BlockedReply {
  networkAclId: string;
  /** The interface that captured the request. */
  interfaceId: string;
  /**
   * The rules that refuse the reply: the NACL's side the reply takes at the capturing interface's
   * subnet (the opposite of the request's), or `ingress` for the inbound rules a transit gateway
   * attached in that subnet applies to what the interface sends to it.
   */
  direction: Direction;
  /** The address the rules match the reply by: the peer, or the interface's own for those inbound rules. */
  peer: string;
  /** The client's ports observed (the reply's destination ports); null without ports. */
  clientPorts: { from: number; to: number } | null;
  /** The first NACL entry that drops part of it (a fix must land before it). */
  firstDeny: number;
  /** The client is a load balancer or NAT gateway (ephemeral ports 1024-65535). */
  fullRangeClient: boolean;
  /** The reply's ICMP type when the request's is known and gets an answer (echo 8 -> 0); else null (any type). */
  icmpType: number | null;
}

const opposite = (direction: Direction): Direction => (direction === 'ingress' ? 'egress' : 'ingress');

/**
 * Does the NACL let the reply through, and else the first entry that drops part of it: over the
 * client's port range, or for an ICMP reply of a known type, as the entries' IcmpTypeCode decide
 * for that type (an entry naming one code of it cannot be relied on: it does not let it through).
 */
function replyVerdict(
  model: NetworkModel,
  networkAclId: string,
  direction: Direction,
  protocol: number,
  clientPorts: { from: number; to: number } | null,
  peer: IpAddress,
  icmpType: number | null,
): { allowed: boolean; firstDeny: number | null } {
  if (icmpType === null) return evaluateNetworkAclRange(model, networkAclId, direction, protocol, clientPorts, peer);
  const result = evaluateNetworkAcl(model, networkAclId, direction, protocol, null, peer, icmpType);
  return result.allowed === true ? { allowed: true, firstDeny: null } : { allowed: false, firstDeny: result.ruleNumber };
}

/**
 * NACLs are stateless: a request let through still fails when the same subnet NACL drops its reply
 * (to the client's ephemeral ports). For each request flow of the group (return-traffic groups have
 * no reply to check), the reply through the capturing interface's subnet NACL — skipped inside the
 * subnet — is checked over the client's observed port range. The far side's subnet NACL, when
 * that side is an interface of the snapshot, is checked through its own requests (`farEndOf`).
 */
export function blockedReplies(model: NetworkModel, group: FindingGroup): BlockedReply[] {
  if (group.returnTraffic || group.blockedBy.control === 'block-public-access') return [];
  // An ICMP message of a known type no reply answers (an error, a reply itself) has no way back.
  if (isIcmp(group.protocol) && !icmpExpectsReply(group.protocol, icmpTypeOfGroup(group))) return [];
  const out: BlockedReply[] = [];
  const direction = opposite(group.direction);
  const icmpType = icmpReplyType(group.protocol, icmpTypeOfGroup(group));
  for (const item of group.flows) {
    const { flow } = item;
    const subnetId = model.interface(flow.interfaceId)?.SubnetId;
    const peerText = peerAddressOf(item);
    const peer = model.address(peerText);
    if (!subnetId || !peer || model.subnetContains(subnetId, peer)) continue;
    const networkAclId = model.networkAclIdForSubnet(subnetId);
    if (!networkAclId || !model.networkAcl(networkAclId)) continue;
    // A transit gateway attached in the interface's own subnet: what it delivers meets no rule of
    // the NACL, and what the interface sends to it meets the inbound rules by its own address too.
    const gateway = transitGatewayInSubnet(model, subnetId, peer);
    if (gateway !== null && direction === 'ingress' && transitGatewayDelivery(model, gateway, subnetId, peer) === 'own-subnet') continue;
    const clientPorts = rulesHavePorts(group.protocol) ? clientPortRangeOf(flow) : null;
    const clientEni =
      group.direction === 'ingress' ? findPeerInterface(model, flow.interfaceId, peerText)?.NetworkInterfaceId : flow.interfaceId;
    const blocked = (way: Direction, address: string, matched: IpAddress): void => {
      const result = replyVerdict(model, networkAclId, way, group.protocol, clientPorts, matched, icmpType);
      if (result.allowed || result.firstDeny === null) return;
      out.push({
        networkAclId,
        interfaceId: flow.interfaceId,
        direction: way,
        peer: address,
        clientPorts,
        firstDeny: result.firstDeny,
        fullRangeClient: clientEni !== undefined && usesFullEphemeralRange(model.interfaceOwner(clientEni)),
        icmpType,
      });
    };
    blocked(direction, peerText, peer);
    // The reply leaves from the address the request came to (an ingress request's destination).
    const own = gateway !== null && direction === 'egress' ? model.address(flow.dstaddr) : null;
    if (own) blocked('ingress', flow.dstaddr, own);
  }
  return out;
}

/**
 * CreateNetworkAclEntry allows for the replies `blockedReplies` finds: per NACL, the clients'
 * ephemeral range (1024-65535 for load balancers, NAT gateways and Lambda functions, else chosen from the observed
 * client ports) to the observed peers' narrowest CIDRs, numbered before the first deny that drops a
 * reply and clear of the numbers `pending` changes and earlier fixes of the run (`ledger`) take.
 * `replies` are the group's blocked replies when the caller has them already.
 */
export function replyNetworkAclChanges(
  model: NetworkModel,
  group: FindingGroup,
  pending: readonly FixChange[],
  ledger: NaclRuleNumberLedger = new NaclRuleNumberLedger(),
  replies: readonly BlockedReply[] = blockedReplies(model, group),
): FixChange[] {
  // Per NACL and side (a transit gateway attached in the subnet may need both sides of one NACL).
  const byAcl = new Map<string, BlockedReply[]>();
  for (const reply of replies) {
    const key = `${reply.networkAclId} ${reply.direction === 'egress' ? 1 : 2}`;
    const list = byAcl.get(key);
    if (list) list.push(reply);
    else byAcl.set(key, [reply]);
  }
  const changes: FixChange[] = [];
  for (const [, replies] of [...byAcl.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const aclId = replies[0].networkAclId;
    const egress = replies[0].direction === 'egress';
    const cidrs = coverPeersForNacl(
      model,
      replies.map((r) => r.interfaceId),
      replies.map((r) => r.peer),
    );
    const before = Math.min(...replies.map((r) => r.firstDeny));
    const numbers = freeRuleNumbersBefore(ledger.used(model, aclId, egress, [...pending, ...changes]), before, cidrs.length);
    if (!numbers) continue;
    let portRange: { From: number; To: number } | null = null;
    if (rulesHavePorts(group.protocol)) {
      const observed = replies.map((r) => r.clientPorts).filter((p): p is { from: number; to: number } => p !== null);
      const range =
        replies.some((r) => r.fullRangeClient) || !observed.length
          ? EPHEMERAL_RANGES.elbNat
          : ephemeralRangeFor(null, { from: Math.min(...observed.map((p) => p.from)), to: Math.max(...observed.map((p) => p.to)) });
      portRange = { From: range.from, To: range.to };
    }
    cidrs.forEach((cidr, i) => {
      const params: NetworkAclEntryParams = {
        NetworkAclId: aclId,
        RuleNumber: numbers[i],
        Protocol: String(group.protocol),
        RuleAction: 'allow',
        Egress: egress,
      };
      if (addressFamily(cidr) === 4) params.CidrBlock = cidr;
      else params.Ipv6CidrBlock = cidr;
      if (portRange) params.PortRange = portRange;
      if (isIcmp(group.protocol)) params.IcmpTypeCode = { Code: -1, Type: replies[0].icmpType ?? -1 };
      changes.push({ action: 'CreateNetworkAclEntry', params: { ...params } });
    });
  }
  return changes;
}
