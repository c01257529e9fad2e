import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import { type IpAddress, isPrivateAddress } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { isTransitGatewayInterface } from '../network/interface-owner';
import { describeTraffic, isIcmp, rulesHavePorts } from '../network/protocol';
import { atDestinationPort, atHighestDestinationPort, interiorDestinationPorts } from './flow-ports';
import { type NetworkAclResult, describeNaclDeny, evaluateNetworkAcl } from './network-acl-evaluator';
import { type ReturnTrafficSignal, detectReturnTraffic } from './return-traffic';
import type { ReturnTrafficIndex } from './return-traffic-index';
import { unfilteredTrafficReason } from './unfiltered-traffic';
import {
  type SecurityGroupResult,
  bypassedLoadBalancerNote,
  evaluateSecurityGroups,
  staleRulesNote,
  unlistedGroupsReason,
} from './security-group-evaluator';
import { transitGatewayDelivery, transitGatewayInSubnet } from './transit-gateway-subnet';
import type { BlockingControl, FlowVerdict } from './verdict';

/** What explaining a flow may use besides the model. */
export interface ExplainContext {
  /** ACCEPTed flows of the same data set, for the reverse-record return-traffic signal. */
  returnTraffic?: ReturnTrafficIndex;
  /**
   * The configuration the flows were recorded under, when the model asked about is another (a
   * fix's what-if copy): what a record's action says about its packets holds for this one only
   * (see `portlessRefusedAsNew`). Absent: the model asked about.
   */
  recorded?: NetworkModel;
}

/**
 * Why the subnet's NACL was not evaluated: the peer is in the same subnet; the interface has no
 * subnet or the subnet no NACL in the snapshot; or a transit gateway whose attachment lies in the
 * interface's own subnet delivered the packets (`transitGatewayId`).
 */
export type NaclSkip = 'same-subnet' | 'no-subnet' | 'no-network-acl' | 'transit-gateway' | null;

/** The verdict with everything that led to it, for classification and fixes. */
export interface FlowAnalysis {
  verdict: FlowVerdict;
  /** The capturing interface is in the snapshot. */
  interfaceKnown: boolean;
  /** The address at the other end: source of an ingress flow, destination of an egress one. */
  peer: string;
  /** Port the security groups were asked about (the packet's destination port), null when not evaluated. */
  securityGroupPort: number | null;
  /** The packet's destination port, which the NACL `PortRange` is compared with. */
  networkAclPort: number | null;
  /** What told return traffic; of packets that answer no request (`verdict.unrequested`), what called them replies. */
  returnTrafficSignal: ReturnTrafficSignal | null;
  /** Why it cannot be told whether the packets are return traffic (see `ReturnTrafficDecision`), or null. */
  returnTrafficUndecided: string | null;
  /**
   * Of return traffic that answers no request the input shows (`verdict.unrequested`) from a peer
   * kept as a reply: what the groups would do to it as a new connection, when they would refuse it.
   */
  untrackedRefusal: string | null;
  groupIds: string[];
  subnetId: string | null;
  networkAclId: string | null;
  naclSkipped: NaclSkip;
  /** Null when the security groups were not evaluated (return traffic, interface without groups, unknown interface). */
  securityGroup: SecurityGroupResult | null;
  /** Null when the NACL was not evaluated. */
  networkAcl: NetworkAclResult | null;
  /**
   * The transit gateway that carries the packets through an attachment in the interface's own
   * subnet (see `transitGatewayInSubnet`), or null.
   */
  transitGatewayId: string | null;
  /**
   * What the subnet NACL's INBOUND rules do to egress packets by their source, the interface's own
   * address: a transit gateway attachment in the same subnet takes them through those rules too.
   * Null when not evaluated (ingress, or no such attachment).
   */
  networkAclOwnAddress: NetworkAclResult | null;
  /**
   * Refused packets of a protocol without ports (ICMP, GRE, ESP …) that an accepted flow the other
   * way made return traffic, judged as new by the groups instead because the NACL passes them (see
   * `portlessRefusedAsNew`).
   */
  portlessJudgedAsNew: boolean;
}

/** `explainFlow` with the details; see there. */
export function analyzeFlow(model: NetworkModel, flow: FlowAggregate, ctx: ExplainContext = {}): FlowAnalysis {
  const eni = model.interface(flow.interfaceId);
  const src = model.address(flow.srcaddr);
  const dst = model.address(flow.dstaddr);
  const inferred = flow.flowDirection ?? inferDirection(model, flow, src, dst);
  const direction: Direction = inferred ?? guessDirection(src, dst);
  const peerText = direction === 'ingress' ? flow.srcaddr : flow.dstaddr;
  const peer = direction === 'ingress' ? src : dst;
  const analysis: FlowAnalysis = {
    verdict: { verdict: 'unknown', direction, returnTraffic: false, blockedBy: [] },
    interfaceKnown: eni !== undefined,
    peer: peerText,
    securityGroupPort: null,
    networkAclPort: flow.dstport,
    returnTrafficSignal: null,
    returnTrafficUndecided: null,
    untrackedRefusal: null,
    groupIds: eni ? [...model.securityGroupsOf(flow.interfaceId)] : [],
    subnetId: eni?.SubnetId ?? null,
    networkAclId: null,
    naclSkipped: null,
    securityGroup: null,
    networkAcl: null,
    transitGatewayId: null,
    networkAclOwnAddress: null,
    portlessJudgedAsNew: false,
  };
  if (eni && peer) {
    const decision = detectReturnTraffic(model, flow, direction, peer, ctx.returnTraffic);
    analysis.verdict.returnTraffic = decision.returnTraffic;
    if (decision.unrequested) analysis.verdict.unrequested = true;
    analysis.returnTrafficSignal = decision.signal;
    analysis.returnTrafficUndecided = decision.undecided;
  }
  if (flow.rejectReason === 'BPA') {
    // Block Public Access refused it at the internet gateway: that is the control. What the groups
    // and NACL would do once it is let through there goes into the reason alone.
    const behind = judge(model, flow, { ...analysis, verdict: { ...analysis.verdict } }, eni !== undefined, src, dst, peer, inferred, ctx);
    analysis.verdict = {
      ...analysis.verdict,
      verdict: 'blocked',
      blockedBy: [{ control: 'block-public-access', direction }],
      reason: `VPC Block Public Access rejected the flow, not a security group or network ACL${behindBlockPublicAccess(behind.verdict)}`,
    };
    if (behind.verdict.verdict === 'blocked') analysis.verdict.behindBlockPublicAccess = behind.verdict.blockedBy;
    return analysis;
  }
  const otherRefusal = refusedOutsideGroupsAndAcls(flow);
  if (otherRefusal) return unknown(analysis, otherRefusal);
  return judge(model, flow, analysis, eni !== undefined, src, dst, peer, inferred, ctx);
}

/** What AWS names by the `reject-reason` values other than BPA that it documents. */
const REJECT_REASONS: Readonly<Record<string, string>> = { EC: 'VPC encryption controls' };

/**
 * Why a REJECT was refused by something other than a security group or network ACL, or null: the
 * flow log writes `reject-reason` `-` for those, and a value for what else refused it. Block Public
 * Access (BPA) is a control of its own; any other value (EC, encryption controls; one newer than
 * sgdoctor) says the groups and NACL are not what refused the flow, so what they would do does
 * not answer why it was refused, and the verdict is left open naming the reason.
 */
function refusedOutsideGroupsAndAcls(flow: FlowAggregate): string | null {
  const reason = flow.rejectReason;
  if (flow.action !== 'REJECT' || reason === null || reason === '-' || reason === 'BPA') return null;
  const named = REJECT_REASONS[reason];
  return (
    `the flow log gives reject-reason ${reason}${named ? ` (${named})` : ''}: something other than a security group or ` +
    `network ACL refused the flow, so what they would do does not say why`
  );
}

/** The verdict of the security groups and NACL, or unknown with the reason they cannot be evaluated. */
function judge(
  model: NetworkModel,
  flow: FlowAggregate,
  analysis: FlowAnalysis,
  interfaceKnown: boolean,
  src: IpAddress | null,
  dst: IpAddress | null,
  peer: IpAddress | null,
  inferred: Direction | null,
  ctx: ExplainContext,
): FlowAnalysis {
  if (!interfaceKnown) return unknown(analysis, `${flow.interfaceId} is not in the snapshot`);
  if (!src || !dst || !peer) return unknown(analysis, `${!src ? flow.srcaddr : flow.dstaddr} is not an IP address`);
  if (!inferred) {
    return unknown(analysis, `cannot tell the direction: neither ${flow.srcaddr} nor ${flow.dstaddr} is an address of ${flow.interfaceId}`);
  }
  const unfiltered = unfilteredTrafficReason(model, flow, peer);
  if (unfiltered) return unknown(analysis, unfiltered);
  evaluateControls(model, flow, analysis, peer, ctx);
  return analysis;
}

/**
 * What a flow Block Public Access rejected would meet once excluded from it, as the end of the
 * reason: an exclusion alone does not let it through when a security group or NACL refuses it too.
 */
function behindBlockPublicAccess(verdict: FlowVerdict): string {
  if (verdict.verdict === 'blocked')
    return `; excluded from it, the flow would still be refused: ${verdict.reason ?? 'a security group or network ACL denies it'}`;
  if (verdict.verdict === 'unknown')
    return `; whether a security group or network ACL would refuse it too is unknown: ${verdict.reason ?? ''}`;
  return '; the security groups and network ACL allow it';
}

function evaluateControls(model: NetworkModel, flow: FlowAggregate, analysis: FlowAnalysis, peer: IpAddress, ctx: ExplainContext): void {
  const { direction } = analysis.verdict;
  const vpcId = model.interfaceVpcId(flow.interfaceId);
  const subnetId = analysis.subnetId;
  // Flow-log records carry no ICMP type; a path question's records may (see FlowAggregate.icmpType).
  const icmpType = isIcmp(flow.protocol) ? (flow.icmpType ?? null) : null;
  // The subnet's NACL sees the packet unless the peer is inside the same subnet — but for what an
  // instance sends a transit gateway attached in its own subnet, captured at the gateway's
  // interface: the inbound rules judge it by its source (Transit Gateways Guide, NACLs).
  // Asked only of same-subnet peers: most flows cross subnets.
  const intoGateway = (): boolean => {
    const eni = direction === 'ingress' ? model.interface(flow.interfaceId) : undefined;
    return eni !== undefined && isTransitGatewayInterface(eni);
  };
  if (!subnetId) analysis.naclSkipped = 'no-subnet';
  else if (model.subnetContains(subnetId, peer) && !intoGateway()) analysis.naclSkipped = 'same-subnet';
  else {
    analysis.transitGatewayId = transitGatewayInSubnet(model, subnetId, peer);
    const own = direction === 'egress' && analysis.transitGatewayId !== null ? model.address(flow.srcaddr) : null;
    const delivery =
      direction === 'ingress' && analysis.transitGatewayId !== null
        ? transitGatewayDelivery(model, analysis.transitGatewayId, subnetId, peer)
        : null;
    const aclId = model.networkAclIdForSubnet(subnetId) ?? null;
    // What a transit gateway delivers through an attachment in the interface's own subnet meets no rule of its NACL.
    if (delivery === 'own-subnet') analysis.naclSkipped = 'transit-gateway';
    else if (!aclId) analysis.naclSkipped = 'no-network-acl';
    else {
      analysis.networkAclId = aclId;
      analysis.networkAcl = evaluateNetworkAcl(model, analysis.networkAclId, direction, flow.protocol, flow.dstport, peer, icmpType);
      // Delivered through this subnet's attachment interface, or another zone's: a deny holds only in the second case.
      if (delivery === 'either' && analysis.networkAcl.allowed === false)
        analysis.networkAcl = {
          ...analysis.networkAcl,
          allowed: 'uncertain',
          reason:
            `${describeNaclDeny(aclId, analysis.networkAcl, direction, flow.protocol, flow.dstport, analysis.peer)} if transit gateway ` +
            `${analysis.transitGatewayId} delivers it through another subnet's attachment interface; through its attachment in ` +
            `${subnetId} no rule of the NACL sees it, and the snapshot does not tell which (the Availability Zone the traffic comes from)`,
        };
      // … and what it sends to that gateway meets the inbound rules too, by its own (source) address.
      if (own)
        analysis.networkAclOwnAddress = evaluateNetworkAcl(
          model,
          analysis.networkAclId,
          'ingress',
          flow.protocol,
          flow.dstport,
          own,
          icmpType,
        );
    }
  }
  if (portlessRefusedAsNew(model, flow, analysis, icmpType, ctx)) {
    analysis.verdict.returnTraffic = false;
    analysis.returnTrafficSignal = null;
    analysis.portlessJudgedAsNew = true;
  }
  const { returnTraffic } = analysis.verdict;
  // What the interface's groups do to the packets as a new connection.
  const groupsAsNewConnection = () =>
    evaluateSecurityGroups(model, analysis.groupIds, direction, flow.protocol, flow.dstport, peer, { vpcId, subnetId }, icmpType);
  // Security groups are stateful: return traffic is never theirs to block. An interface without
  // groups (NAT gateway, some managed interfaces) has no security-group check at all; one whose
  // groups the snapshot does not list may have any, so they can only be uncertain. When the
  // snapshot cannot tell whether the packets are return traffic, groups that refuse them as a new
  // connection may still have let them through: uncertain, not a block.
  if (!returnTraffic && model.securityGroupsUnlisted(flow.interfaceId)) {
    analysis.securityGroup = {
      allowed: 'uncertain',
      reason: unlistedGroupsReason(flow.interfaceId),
    };
  } else if (!returnTraffic && analysis.groupIds.length > 0) {
    analysis.securityGroupPort = flow.dstport;
    let result = groupsAsNewConnection();
    // Admitted only if a Network Load Balancer forwarded them, and known to have come directly: refused.
    if (result.allowed === 'uncertain' && result.throughLoadBalancer && cameDirectly(model, flow, analysis, ctx))
      result = { allowed: false, bypassedLoadBalancer: result.throughLoadBalancer };
    analysis.securityGroup =
      result.allowed === false && analysis.returnTrafficUndecided !== null
        ? {
            allowed: 'uncertain',
            reason: `no rule of ${analysis.groupIds.join(', ')} allows ${describeTraffic(flow.protocol, flow.dstport)} ${direction === 'ingress' ? 'from' : 'to'} ${analysis.peer} as a new connection${staleRulesNote(result)}; ${analysis.returnTrafficUndecided}`,
          }
        : result;
  } else if (returnTraffic && analysis.verdict.unrequested && analysis.groupIds.length > 0 && analysis.networkAcl?.allowed !== false) {
    // A reply the interface's accepted traffic holds no request for: the groups pass it only
    // while they track its connection (opened through this interface, not yet timed out). Asked
    // only where the NACL lets it through: where the NACL refuses it, that is the verdict.
    const asNew = groupsAsNewConnection();
    if (asNew.allowed !== true) {
      const way = direction === 'ingress' ? 'from' : 'to';
      const asNewConnection =
        asNew.allowed === false
          ? `no rule of ${analysis.groupIds.join(', ')} allows ${describeTraffic(flow.protocol, flow.dstport)} ${way} ${analysis.peer}${staleRulesNote(asNew)}`
          : `whether they allow it is unknown: ${asNew.reason}`;
      analysis.untrackedRefusal =
        `it looks like return traffic, but the accepted traffic of ${flow.interfaceId} holds no request it answers: ` +
        `the security groups pass only replies of connections they track, and as a new connection ${asNewConnection} ` +
        `(a connection opened through another interface, or one whose tracking ended, is refused here)`;
    }
  }
  conclude(flow, analysis);
}

/**
 * Are these REJECTed packets of a protocol without ports, called return traffic by an accepted
 * flow the other way, refused as new by the groups? Without ports (and, for ICMP, without the type
 * flow logs do not record) that accepted flow is any traffic of the protocol the interface and the
 * peer exchanged: the interface's own pings while the peer's are refused, or one end of a tunnel
 * (GRE, ESP) sending while the other end's packets, from outside the groups' tracking, are refused.
 * What answers traffic the groups track passes them; so when the NACL lets these packets through
 * (or sees none of them: the same subnet, a transit gateway delivering in the subnet), the groups
 * tracked nothing they answer and judged them as new. Where the NACL refuses them, or cannot be
 * told, it explains the REJECT of answers as well, and they stay return traffic. TCP and UDP
 * replies are paired by their ports: one the groups refused is a late packet, not a new connection.
 */
function portlessRefusedAsNew(
  model: NetworkModel,
  flow: FlowAggregate,
  analysis: FlowAnalysis,
  icmpType: number | null,
  ctx: ExplainContext,
): boolean {
  if (flow.action !== 'REJECT' || rulesHavePorts(flow.protocol) || icmpType !== null) return false;
  if (!analysis.verdict.returnTraffic || analysis.returnTrafficSignal !== 'reverse-accept') return false;
  // The REJECT was the recorded configuration's: a what-if copy is asked what it does to the packets that were refused there.
  if (ctx.recorded && ctx.recorded !== model) return analyzeFlow(ctx.recorded, flow, { ...ctx, recorded: undefined }).portlessJudgedAsNew;
  const naclPasses =
    analysis.networkAcl === null
      ? analysis.naclSkipped === 'same-subnet' || analysis.naclSkipped === 'transit-gateway'
      : analysis.networkAcl.allowed === true;
  return naclPasses && (analysis.networkAclOwnAddress === null || analysis.networkAclOwnAddress.allowed === true);
}

/**
 * Did these packets, which the groups admit only as forwarded by a Network Load Balancer (see
 * `loadBalancerPath`), come to the interface directly? A flow log cannot tell forwarded packets
 * from the client's own, but a REJECT can: had the load balancer forwarded them, the groups would
 * have admitted them, so when the NACL let them through (or saw none of them) nothing would have
 * refused them. Where the NACL refused them, or cannot be told, that explains the REJECT either
 * way and it stays open. Read from the configuration the REJECT was recorded under (a fix's
 * what-if copy is asked what it does to the packets refused there).
 */
function cameDirectly(model: NetworkModel, flow: FlowAggregate, analysis: FlowAnalysis, ctx: ExplainContext): boolean {
  if (flow.action !== 'REJECT' || analysis.verdict.direction !== 'ingress') return false;
  if (ctx.recorded && ctx.recorded !== model)
    return analyzeFlow(ctx.recorded, flow, { ...ctx, recorded: undefined }).verdict.bypassedLoadBalancer !== undefined;
  return analysis.networkAcl === null
    ? analysis.naclSkipped === 'same-subnet' || analysis.naclSkipped === 'transit-gateway'
    : analysis.networkAcl.allowed === true;
}

function conclude(flow: FlowAggregate, analysis: FlowAnalysis): void {
  const { direction } = analysis.verdict;
  const traffic = describeTraffic(flow.protocol, flow.dstport);
  const naclBlock: BlockingControl | null =
    analysis.networkAcl?.allowed === false
      ? { control: 'network-acl', direction, networkAclId: analysis.networkAclId!, ruleNumber: analysis.networkAcl.ruleNumber }
      : null;
  const sgBlock: BlockingControl | null =
    analysis.securityGroup?.allowed === false ? { control: 'security-group', direction, groupIds: [...analysis.groupIds] } : null;
  const ownAddressBlock: BlockingControl | null =
    analysis.networkAclOwnAddress?.allowed === false
      ? {
          control: 'network-acl',
          direction: 'ingress',
          networkAclId: analysis.networkAclId!,
          ruleNumber: analysis.networkAclOwnAddress.ruleNumber,
        }
      : null;
  // Path order at the interface: ingress = NACL then SG; egress = SG then NACL (outbound, then the
  // inbound rules a transit gateway attachment in the same subnet applies to the source address).
  const ordered: (BlockingControl | null)[] = direction === 'ingress' ? [naclBlock, sgBlock] : [sgBlock, naclBlock, ownAddressBlock];
  const blockedBy = ordered.filter((c): c is BlockingControl => c !== null);
  const describe = (control: BlockingControl): string => {
    if (control.control !== 'network-acl')
      return `no rule of ${analysis.groupIds.join(', ')} allows ${traffic} ${direction === 'ingress' ? 'from' : 'to'} ${analysis.peer}${staleRulesNote(analysis.securityGroup)}${bypassedLoadBalancerNote(analysis.securityGroup, analysis.groupIds)}`;
    if (control.direction === direction)
      return describeNaclDeny(control.networkAclId, analysis.networkAcl!, direction, flow.protocol, flow.dstport, analysis.peer);
    return (
      `${describeNaclDeny(control.networkAclId, analysis.networkAclOwnAddress!, 'ingress', flow.protocol, flow.dstport, flow.srcaddr)} ` +
      `(transit gateway ${analysis.transitGatewayId} is attached in ${analysis.subnetId}: what the interface sends to it meets the inbound rules by its source address)`
    );
  };
  // Without its subnet the interface's NACL is unknown: every control that denies cannot be listed.
  if (analysis.naclSkipped === 'no-subnet') {
    const also = blockedBy.length ? `; ${blockedBy.map(describe).join(', and ')}` : '';
    unknown(analysis, `${flow.interfaceId} has no subnet in the snapshot, so its network ACL is unknown${also}`);
    return;
  }
  analysis.verdict.blockedBy = blockedBy;
  if (blockedBy.length > 0) {
    const parts = blockedBy.map(describe);
    analysis.verdict.verdict = 'blocked';
    if (sgBlock && analysis.securityGroup?.allowed === false && analysis.securityGroup.bypassedLoadBalancer)
      analysis.verdict.bypassedLoadBalancer = analysis.securityGroup.bypassedLoadBalancer;
    analysis.verdict.reason = parts.join(', and ') + notes(flow, analysis);
    return;
  }
  const uncertain = [
    analysis.networkAcl?.allowed === 'uncertain' ? analysis.networkAcl.reason : null,
    analysis.networkAclOwnAddress?.allowed === 'uncertain' ? analysis.networkAclOwnAddress.reason : null,
    analysis.securityGroup?.allowed === 'uncertain' ? analysis.securityGroup.reason : null,
    analysis.naclSkipped === 'no-network-acl' ? `the snapshot has no network ACL for ${analysis.subnetId}` : null,
  ].filter((r): r is string => Boolean(r));
  if (analysis.untrackedRefusal) uncertain.push(analysis.untrackedRefusal);
  if (uncertain.length > 0) {
    unknown(analysis, uncertain.join(', and '));
    if (analysis.securityGroup?.allowed === 'uncertain' && analysis.securityGroup.throughLoadBalancer)
      analysis.verdict.throughLoadBalancer = analysis.securityGroup.throughLoadBalancer;
    return;
  }
  analysis.verdict.verdict = 'allowed';
}

function notes(flow: FlowAggregate, analysis: FlowAnalysis): string {
  const notes: string[] = [];
  if (analysis.naclSkipped === 'same-subnet') notes.push(`NACL not evaluated inside ${analysis.subnetId}`);
  if (analysis.naclSkipped === 'transit-gateway')
    notes.push(
      `NACL not evaluated: transit gateway ${analysis.transitGatewayId} delivers it through its attachment in ${analysis.subnetId}`,
    );
  if (analysis.verdict.returnTraffic) {
    const by = { 'tcp-flags': 'tcp-flags', 'reverse-accept': 'the accepted reverse flow', 'service-port': 'the service port' }[
      analysis.returnTrafficSignal!
    ];
    // An interface without groups (a NAT gateway) has no security group to allow it.
    notes.push(`return traffic, recognised from ${by}${analysis.groupIds.length > 0 ? ': security groups allow it statefully' : ''}`);
  } else if (analysis.portlessJudgedAsNew) {
    notes.push(
      `the ${describeTraffic(flow.protocol, null)} ${flow.interfaceId} exchanged with ${analysis.peer} the other way was accepted, but it has no ports to pair replies by: ` +
        `no NACL rule refuses these packets, so they are not replies the groups tracked, and the groups judged them as new`,
    );
  } else if (analysis.verdict.unrequested && analysis.returnTrafficSignal !== null) {
    const like =
      analysis.returnTrafficSignal === 'tcp-flags' ? 'its tcp-flags mark a reply' : 'it comes from the service port like a reply';
    notes.push(
      `${like}, but the accepted traffic of ${flow.interfaceId} holds no request it answers, so the security groups judged it as a new connection`,
    );
  }
  return notes.length ? ` (${notes.join('; ')})` : '';
}

function unknown(analysis: FlowAnalysis, reason: string): FlowAnalysis {
  analysis.verdict = { ...analysis.verdict, verdict: 'unknown', blockedBy: [], reason };
  return analysis;
}

/** Ingress when the destination is one of the interface's addresses, egress when the source is. */
function inferDirection(model: NetworkModel, flow: FlowAggregate, src: IpAddress | null, dst: IpAddress | null): Direction | null {
  if (!model.interface(flow.interfaceId)) return null;
  if (dst && model.isInterfaceAddress(flow.interfaceId, dst)) return 'ingress';
  if (src && model.isInterfaceAddress(flow.interfaceId, src)) return 'egress';
  return null;
}

/** A direction to print when the interface cannot tell: towards the private side. */
function guessDirection(src: IpAddress | null, dst: IpAddress | null): Direction {
  if (src && dst && isPrivateAddress(src) && !isPrivateAddress(dst)) return 'egress';
  return 'ingress';
}

/**
 * What the CURRENT configuration does to one flow at its capturing interface (DESIGN.md,
 * "AWS semantics"). Direction is the record's `flow-direction`, else inferred from which address
 * is the interface's. Controls are evaluated in path order (ingress: subnet NACL inbound, then
 * security groups inbound; egress: security groups outbound, then NACL outbound) and EVERY
 * denying control is listed. The NACL is skipped when the peer is in the interface's own subnet;
 * security groups are skipped for return traffic (they are stateful) — not for packets from the
 * internet that look like replies but answer no request in the interface's ACCEPT flows
 * (`unrequested`): the groups judge those as new connections — nor refused packets of a protocol
 * without ports (ICMP, GRE, ESP) that only an accepted flow the other way calls replies, where the
 * NACL passes them (`portlessRefusedAsNew`).
 * `reject-reason` BPA is
 * reported as Block Public Access. `unknown` (with a reason) when the snapshot cannot decide, and
 * for traffic no security group or NACL filters (instance metadata, Amazon DNS and the Route 53
 * Resolver, Time Sync, DHCP, licence activation, the VPC router): a REJECT of it is not a rule's.
 * An aggregate that collapsed its destination ports is judged at the lowest and the highest of
 * them: refused at either, it is refused. A REJECTed one that both pass was refused in between (a
 * NACL entry denying 50000-50100 before one allowing 1024-65535): it is judged where the rules
 * of its controls start and end between the two, and the first port refused there stands for it.
 */
export function explainFlow(model: NetworkModel, flow: FlowAggregate, ctx: ExplainContext = {}): FlowVerdict {
  const lowest = analyzeFlow(model, flow, ctx);
  // An aggregate's records went to a range of destination ports: refused at its highest, it is refused.
  const highest = lowest.verdict.verdict === 'blocked' ? null : atHighestDestinationPort(flow);
  if (highest === null) return lowest.verdict;
  const there = analyzeFlow(model, highest, ctx).verdict;
  if (there.verdict === 'blocked') return there;
  if (flow.action !== 'REJECT') return lowest.verdict;
  for (const port of interiorDestinationPorts(flow, portRangesJudging(model, flow, lowest))) {
    const between = analyzeFlow(model, atDestinationPort(flow, port), ctx).verdict;
    if (between.verdict === 'blocked') return between;
  }
  return lowest.verdict;
}

/**
 * The port ranges of the flow's protocol in the rules that judge it: its subnet NACL's entries and
 * its groups' rules, both directions of each (the groups' rules of the other direction decide
 * whether a packet is return traffic, at the port it goes to; a transit gateway attachment in the
 * subnet applies the NACL's inbound entries to egress packets).
 */
function* portRangesJudging(
  model: NetworkModel,
  flow: FlowAggregate,
  analysis: FlowAnalysis,
): Iterable<{ fromPort: number; toPort: number }> {
  const ofProtocol = (rule: { protocol: number }) => rule.protocol === flow.protocol || rule.protocol === -1;
  if (analysis.networkAclId !== null) {
    for (const direction of ['ingress', 'egress'] as const) {
      for (const entry of model.networkAclEntries(analysis.networkAclId, direction) ?? []) if (ofProtocol(entry)) yield entry;
    }
  }
  for (const groupId of analysis.groupIds) for (const rule of model.allGroupRules(groupId)) if (ofProtocol(rule)) yield rule;
}
