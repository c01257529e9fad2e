import {
  type NetworkAclPortSegment,
  describeNaclDeny,
  evaluateNetworkAcl,
  networkAclPortSegments,
} from '../evaluate/network-acl-evaluator';
import { evaluateSecurityGroups, staleRulesNote, unlistedGroupsReason } from '../evaluate/security-group-evaluator';
import { unfilteredTrafficReason } from '../evaluate/unfiltered-traffic';
import type { BlockingControl, VerdictKind } from '../evaluate/verdict';
import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import { EPHEMERAL_RANGES } from '../fixes/ephemeral-range.util';
import { describeInterfaceOwner, isTransitGatewayInterface, usesFullEphemeralRange } from '../network/interface-owner';
import {
  transitGatewayAttachmentSubnets,
  transitGatewayDelivery,
  transitGatewayInSubnet,
  transitGatewayRouteOf,
} from '../evaluate/transit-gateway-subnet';
import { type IpAddress, isInternetAddress } from '../ip/ip-address';
import { icmpExpectsReply, icmpReplyType } from '../network/icmp-type';
import type { NetworkModel } from '../network/network-model';
import { describeTraffic, isIcmp, protocolName, rulesHavePorts } from '../network/protocol';
import type { NetworkInterface, NotReadMember } from '../network/snapshot';
import { type PathEndpoint, chooseAddresses, publicAddressOf, resolveEndpoint, sourceAddressSeen } from './path-endpoint';
import type { PathQuery } from './path-query';
import type { HopVerdict, PathHop, PathVerdict } from './path-result';
import { type RouteMatch, lookupRoute, unresolvedPrefixListRoutes } from './route-lookup';

/** Reachability Analyzer explanation codes for the denies sgdoctor reports. */
export const EXPLANATION_CODES = {
  securityGroup: 'ENI_SG_RULES_MISMATCH',
  networkAcl: 'SUBNET_ACL_RESTRICTION',
  noRoute: 'NO_ROUTE_TO_DESTINATION',
  blackholeRoute: 'BAD_STATE_ROUTE',
} as const;

/** A path analysis with what it resolved, for fixes and tests. */
export interface PathAnalysis extends PathVerdict {
  query: PathQuery;
  source: PathEndpoint;
  destination: PathEndpoint;
  /** The source address as the destination sees it (public IPv4 across the internet); null when unknown. */
  sourceSeen: IpAddress | null;
  /** The client ports the reply path was checked for; null for protocols without ports. */
  clientPorts: { from: number; to: number } | null;
  /** The NAT gateway's interface the request is routed through, when the snapshot has it: its subnet's NACL is on the path both ways. */
  natGateway: NetworkInterface | null;
  /** The transit gateway attachment subnets apart from the ends that the request and reply cross, with their hops. */
  attachmentCrossings: AttachmentCrossing[];
}

function trafficText(protocol: number, port: number | null): string {
  if (isIcmp(protocol)) return port === null ? protocolName(protocol) : `${protocolName(protocol)} type ${port}`;
  return describeTraffic(protocol, port);
}

function rangeText(protocol: number, ports: { from: number; to: number } | null): string {
  if (!ports || !rulesHavePorts(protocol)) return protocolName(protocol);
  return ports.from === ports.to ? describeTraffic(protocol, ports.from) : `${protocolName(protocol)}/${ports.from}-${ports.to}`;
}

/** The port the evaluators compare: TCP/UDP ports only (the ICMP type is given to them apart). */
function evaluatedPort(protocol: number, port: number | null): number | null {
  return rulesHavePorts(protocol) ? port : null;
}

function securityGroupHop(
  model: NetworkModel,
  eni: NetworkInterface,
  direction: Direction,
  protocol: number,
  port: number | null,
  peer: IpAddress | null,
  peerUnknown: string,
): PathHop {
  const interfaceId = eni.NetworkInterfaceId;
  const groupIds = [...model.securityGroupsOf(interfaceId)];
  const way = direction === 'ingress' ? 'inbound' : 'outbound';
  const traffic = trafficText(protocol, port);
  const base = {
    hop: 'security-group' as const,
    direction,
    interfaceId,
    groupIds,
    peer: peer?.key ?? null,
    traffic,
    checked: `security groups of ${interfaceId} ${way}: ${traffic} ${direction === 'ingress' ? 'from' : 'to'} ${peer?.key ?? 'an unknown address'}`,
    rule: null,
    explanationCode: null,
  };
  // Unknown groups may refuse the packet: the hop is undecided, never passed as if there were none.
  if (model.securityGroupsUnlisted(interfaceId)) return { ...base, verdict: 'unknown', reason: unlistedGroupsReason(interfaceId) };
  if (groupIds.length === 0) return { ...base, verdict: 'skipped', reason: `${interfaceId} carries no security groups` };
  if (!peer) return { ...base, verdict: 'unknown', reason: peerUnknown };
  const result = evaluateSecurityGroups(
    model,
    groupIds,
    direction,
    protocol,
    evaluatedPort(protocol, port),
    peer,
    { vpcId: model.interfaceVpcId(interfaceId), subnetId: eni.SubnetId ?? null },
    isIcmp(protocol) ? port : null,
  );
  if (result.allowed === true) {
    const { groupId, ruleId, permission } = result.matchedRule;
    return { ...base, verdict: 'allow', rule: { groupId, ruleId, permission } };
  }
  if (result.allowed === 'uncertain') return { ...base, verdict: 'unknown', reason: result.reason };
  return {
    ...base,
    verdict: 'deny',
    explanationCode: EXPLANATION_CODES.securityGroup,
    reason: `no rule of ${groupIds.join(', ')} allows ${way} ${traffic} ${direction === 'ingress' ? 'from' : 'to'} ${peer.key}${staleRulesNote(result)}`,
  };
}

/** An interface's subnet, or a transit gateway attachment subnet the path crosses (its gateway interface, when listed). */
type NaclSide = { eni: NetworkInterface } | { subnetId: string; interfaceId: string | null };

/**
 * The NACL hop of an interface's subnet for a packet to or from `peer`: skipped when the peer is
 * in the same subnet; unknown when the subnet or its ACL is not in the snapshot. `ports` is a range
 * for reply packets (the client's ephemeral ports), a single port otherwise.
 */
function networkAclHop(
  model: NetworkModel,
  side: NaclSide,
  direction: Direction,
  protocol: number,
  ports: { from: number; to: number } | null,
  peer: IpAddress | null,
  peerUnknown: string,
  icmpType: number | null = null,
  ownSource = false,
): PathHop {
  const attachment = !('eni' in side);
  const subnetId = 'eni' in side ? side.eni.SubnetId : side.subnetId;
  const interfaceId = 'eni' in side ? side.eni.NetworkInterfaceId : side.interfaceId;
  const way = direction === 'ingress' ? 'inbound' : 'outbound';
  const traffic = isIcmp(protocol) ? trafficText(protocol, icmpType) : rangeText(protocol, ports);
  const toward = direction === 'ingress' ? 'from' : 'to';
  const base = {
    hop: 'network-acl' as const,
    direction,
    ...(interfaceId ? { interfaceId } : {}),
    ...(subnetId ? { subnetId } : {}),
    peer: peer?.key ?? null,
    traffic,
    rule: null,
    explanationCode: null,
    checked: `network ACL of ${subnetId ?? 'an unknown subnet'} ${way}: ${traffic} ${toward} ${peer?.key ?? 'an unknown address'}`,
  };
  if (!subnetId)
    return {
      ...base,
      verdict: 'unknown',
      reason: `${interfaceId} has no subnet in the snapshot, so its network ACL is unknown`,
    };
  if (!peer) return { ...base, verdict: 'unknown', reason: peerUnknown };
  // `ownSource`: the interface's own address, judged by the inbound rules for a transit gateway in its subnet (see ownAddressNetworkAclHop).
  if (!ownSource && model.subnetContains(subnetId, peer))
    return { ...base, verdict: 'skipped', reason: `${peer.key} is in ${subnetId}: the NACL does not see traffic inside its subnet` };
  // An attachment subnet's own rules are the hop (see attachmentSubnetHops): no gateway delivers into it there.
  const gateway = direction === 'ingress' && !ownSource && !attachment ? transitGatewayInSubnet(model, subnetId, peer) : null;
  const delivery = gateway !== null ? transitGatewayDelivery(model, gateway, subnetId, peer) : null;
  if (delivery === 'own-subnet')
    return {
      ...base,
      verdict: 'skipped',
      reason: `transit gateway ${gateway} delivers it through its attachment in ${subnetId}: the NACL does not see what the gateway delivers there`,
    };
  const networkAclId = model.networkAclIdForSubnet(subnetId);
  if (!networkAclId) return { ...base, verdict: 'unknown', reason: `the snapshot has no network ACL for ${subnetId}` };
  const withAcl = {
    ...base,
    networkAclId,
    checked: base.checked.replace(`network ACL of ${subnetId}`, `network ACL ${networkAclId} of ${subnetId}`),
  };
  const single = ports === null || ports.from === ports.to || !rulesHavePorts(protocol);
  if (single) {
    const port = ports && rulesHavePorts(protocol) ? ports.from : null;
    const result = evaluateNetworkAcl(model, networkAclId, direction, protocol, port, peer, isIcmp(protocol) ? icmpType : null);
    const rule = result.ruleNumber >= 0 ? { ruleNumber: result.ruleNumber, action: result.action } : null;
    if (result.allowed === 'uncertain') return { ...withAcl, verdict: 'unknown', rule, reason: result.reason };
    if (result.allowed === false && delivery === 'either')
      return { ...withAcl, verdict: 'unknown', rule, reason: eitherReason(gateway!, subnetId) };
    if (result.allowed) return { ...withAcl, verdict: 'allow', rule };
    return {
      ...withAcl,
      verdict: 'deny',
      rule,
      explanationCode: EXPLANATION_CODES.networkAcl,
      reason: describeNaclDeny(networkAclId, result, direction, protocol, port, peer.key),
    };
  }
  const segments = networkAclPortSegments(model, networkAclId, direction, protocol, ports, peer);
  if (!segments) return { ...withAcl, verdict: 'unknown', reason: `network ACL ${networkAclId} is not in the snapshot` };
  const hop = rangeHop(withAcl, segments, networkAclId, direction, protocol, peer.key);
  if (hop.verdict === 'deny' && delivery === 'either')
    return { ...hop, verdict: 'unknown', explanationCode: null, reason: `${hop.reason}, ${eitherReason(gateway!, subnetId)}` };
  return hop;
}

/** Why a NACL deny of what a transit gateway delivers into an attachment subnet is not sure (see `transitGatewayDelivery`). */
function eitherReason(gateway: string, subnetId: string): string {
  return (
    `the NACL refuses it only if transit gateway ${gateway} delivers it through another subnet's attachment interface: ` +
    `through its attachment in ${subnetId} no rule sees it, and the snapshot does not tell which (the Availability Zone it comes from)`
  );
}

/**
 * The inbound rules of `eni`'s subnet NACL for a packet it sends to `peer` through a transit
 * gateway attached in that same subnet, matched by the packet's source, `own` (the Transit Gateways
 * Guide: from the instances to the gateway, the inbound rules use the source address); null when
 * no such gateway carries it (the usual case: only the outbound rules see it).
 */
function ownAddressNetworkAclHop(
  model: NetworkModel,
  eni: NetworkInterface,
  own: IpAddress | null,
  protocol: number,
  ports: { from: number; to: number } | null,
  peer: IpAddress | null,
  icmpType: number | null,
): PathHop | null {
  const subnetId = eni.SubnetId;
  if (!subnetId || !peer || !own || model.subnetContains(subnetId, peer)) return null;
  const gateway = transitGatewayInSubnet(model, subnetId, peer);
  if (gateway === null) return null;
  const hop = networkAclHop(model, { eni }, 'ingress', protocol, ports, own, '', icmpType, true);
  const note = `transit gateway ${gateway} is attached in ${subnetId}: what ${eni.NetworkInterfaceId} sends to ${peer.key} meets the inbound rules by its source address`;
  return { ...hop, checked: `${hop.checked} (${note})`, ...(hop.reason ? { reason: `${hop.reason} (${note})` } : {}) };
}

function rangeHop(
  base: Omit<PathHop, 'verdict'>,
  segments: NetworkAclPortSegment[],
  networkAclId: string,
  direction: Direction,
  protocol: number,
  peer: string,
): PathHop {
  const portSegments = segments.map((s) => ({ from: s.ports!.from, to: s.ports!.to, ruleNumber: s.ruleNumber, action: s.action }));
  const denied = segments.filter((s) => s.action === 'deny');
  const uncertain = segments.filter((s) => s.uncertain);
  if (denied.length) {
    const first = denied.reduce((a, b) => (b.ruleNumber < a.ruleNumber ? b : a));
    const parts = denied.map((s) => `${s.ports!.from}-${s.ports!.to} (rule ${s.ruleNumber})`).join(', ');
    const way = direction === 'ingress' ? 'inbound' : 'outbound';
    return {
      ...base,
      verdict: 'deny',
      segments: portSegments,
      rule: { ruleNumber: first.ruleNumber, action: 'deny' },
      explanationCode: EXPLANATION_CODES.networkAcl,
      reason: `${networkAclId} refuses ${way} ${protocolName(protocol)} ${direction === 'ingress' ? 'from' : 'to'} ${peer} on ports ${parts}`,
    };
  }
  if (uncertain.length) {
    return {
      ...base,
      verdict: 'unknown',
      segments: portSegments,
      rule: { ruleNumber: uncertain[0].ruleNumber, action: uncertain[0].action },
      reason: `rule ${uncertain[0].ruleNumber} of ${networkAclId} names specific ICMP types`,
    };
  }
  return { ...base, verdict: 'allow', segments: portSegments, rule: { ruleNumber: segments[0].ruleNumber, action: 'allow' } };
}

type RouteRule = Extract<NonNullable<PathHop['rule']>, { routeTableId: string }>;

/**
 * The route out of `eni`'s subnet toward `address`, as far as the table alone decides it: a hop
 * (skipped, unknown, or a deny for no route or a blackhole) or the matching route to judge further.
 */
function lookupRouteHop(
  model: NetworkModel,
  eni: NetworkInterface,
  address: IpAddress | null,
  addressUnknown: string,
  toward: string,
): { hop: PathHop } | { base: Omit<PathHop, 'verdict'>; match: RouteMatch; rule: RouteRule; routeTableId: string } {
  const subnetId = eni.SubnetId;
  const base = {
    hop: 'route' as const,
    direction: 'egress' as const,
    interfaceId: eni.NetworkInterfaceId,
    ...(subnetId ? { subnetId } : {}),
    peer: address?.key ?? null,
    traffic: 'any',
    rule: null,
    explanationCode: null,
    checked: `route from ${subnetId ?? eni.NetworkInterfaceId} ${toward} ${address?.key ?? 'an unknown address'}`,
  };
  // A read role granted before sgdoctor asked for DescribeRouteTables: say so, and what to grant.
  const notRead = model.notRead('RouteTables', (subnetId ? model.subnet(subnetId)?.OwnerId : undefined) ?? eni.OwnerId);
  const refused = notRead ? { ...base, verdict: 'skipped' as const, reason: notReadReason(notRead) } : null;
  if (!model.hasRouteTables())
    return { hop: refused ?? { ...base, verdict: 'skipped', reason: 'not evaluated: the snapshot has no RouteTables' } };
  if (!address) return { hop: { ...base, verdict: 'unknown', reason: addressUnknown } };
  // A route table routes what leaves the subnet through its router: another interface of the
  // same subnet is reached directly, whatever the routes say.
  if (subnetId && model.subnetContains(subnetId, address))
    return {
      hop: {
        ...base,
        verdict: 'skipped',
        reason: `${address.key} is in ${subnetId}: traffic inside a subnet does not go through its route table`,
      },
    };
  const routeTableId = subnetId ? model.routeTableIdForSubnet(subnetId) : undefined;
  if (!routeTableId)
    return {
      hop: refused ?? { ...base, verdict: 'unknown', reason: `the snapshot has no route table for ${subnetId ?? eni.NetworkInterfaceId}` },
    };
  const withTable = { ...base, routeTableId, checked: `route table ${routeTableId} of ${subnetId}: a route ${toward} ${address.key}` };
  const match = lookupRoute(model, routeTableId, address);
  const unresolved = unresolvedPrefixListRoutes(model, routeTableId, address, match);
  if (unresolved.length) {
    return {
      hop: {
        ...withTable,
        verdict: 'unknown',
        reason: `${routeTableId} routes ${unresolved.join(', ')}, whose entries the snapshot lacks: one of them may be the most specific route ${toward} ${address.key}`,
      },
    };
  }
  if (!match) {
    return {
      hop: {
        ...withTable,
        verdict: 'deny',
        explanationCode: EXPLANATION_CODES.noRoute,
        reason: `${routeTableId} has no route ${toward} ${address.key}`,
      },
    };
  }
  const state = match.route.State ?? 'active';
  const rule = { routeTableId, destination: match.destination, target: match.target, targetType: match.targetType, state };
  if (state === 'blackhole') {
    return {
      hop: {
        ...withTable,
        verdict: 'deny',
        rule,
        explanationCode: EXPLANATION_CODES.blackholeRoute,
        reason: `the route ${match.destination} of ${routeTableId} is a blackhole (${match.target} is gone)`,
      },
    };
  }
  if (match.targetType === 'other') {
    return {
      hop: {
        ...withTable,
        verdict: 'unknown',
        rule,
        reason: `the route ${match.destination} goes to ${match.target}: what lies beyond is not evaluated`,
      },
    };
  }
  // Which VPC a peering connection leads to, and so whether it carries the packet, is in its description alone.
  if (match.targetType === 'peering' && !model.describesPeering(match.target)) {
    return {
      hop: {
        ...withTable,
        verdict: 'unknown',
        rule,
        reason: `the route ${match.destination} goes to ${match.target}, which the snapshot does not describe (VpcPeeringConnections): where it leads is not known`,
      },
    };
  }
  return { base: withTable, match, rule, routeTableId };
}

/** A peering route toward an address outside the peer VPC: the reason it goes nowhere, else null. */
function peeringGoesNowhere(
  model: NetworkModel,
  eni: NetworkInterface,
  match: RouteMatch,
  routeTableId: string,
  address: IpAddress,
): string | null {
  if (match.targetType !== 'peering') return null;
  const vpcId = model.interfaceVpcId(eni.NetworkInterfaceId);
  const far = vpcId ? model.peeringReaches(match.target, vpcId, address) : null;
  if (!far || far.reaches) return null;
  return (
    `the route ${match.destination} of ${routeTableId} goes to ${match.target}, which leads to ${far.farVpcId} only, and ` +
    `${address.key} is not in ${far.farVpcId}: a peering connection carries no traffic onward (no transitive peering, no edge-to-edge routing)`
  );
}

/** A hop at a transit gateway attachment subnet apart from the interface's own, with what a fix needs. */
export interface AttachmentCrossing {
  hop: PathHop;
  /** The reply's crossing (false: the request's). */
  reply: boolean;
  /** The attachment subnet; null for the unknown hop of a zone the attachment has no subnet in. */
  subnetId: string | null;
  attachmentId: string;
  /** The gateway's interface in that subnet, when the snapshot lists it. */
  gatewayInterface: NetworkInterface | null;
}

/**
 * The NACL hops of the transit gateway attachment subnets one side of a path crosses when the
 * attachment lies in another subnet than the side's interface (Transit Gateways Guide, "Network
 * ACLs for transit gateways", different subnets): what the interface sends the gateway (`sending`)
 * meets the attachment subnet's inbound rules by its source, `own`; what the gateway delivers to
 * the interface meets that subnet's outbound rules by its destination, `own` again. Outbound for
 * the first and inbound for the second are not used. `far` is the other end, which the side's
 * subnet routes to the gateway; `from` the subnet the traffic comes from (its zone keeps the
 * gateway in that zone, see `transitGatewayAttachmentSubnets`).
 *
 * One hop for the subnet that carries it; where the snapshot cannot tell which of several does,
 * their verdicts decide together: all pass or all refuse (each refusing NACL then has its hop),
 * else a single `unknown` hop naming what refuses, what passes and what is not known. Delivered
 * through the interface's own subnet's attachment (the same-subnet case) no rule applies; an
 * interface of an attachment subnet sends through it: neither gets a hop here. None without route
 * tables, a route to a transit gateway, or an attachment whose `SubnetIds` the snapshot lists.
 */
function attachmentSubnetHops(
  model: NetworkModel,
  eni: NetworkInterface,
  sending: boolean,
  reply: boolean,
  far: IpAddress | null,
  from: string | null,
  own: IpAddress | null,
  protocol: number,
  ports: { from: number; to: number } | null,
  icmpType: number | null,
): AttachmentCrossing[] {
  const subnetId = eni.SubnetId;
  const vpcId = model.interfaceVpcId(eni.NetworkInterfaceId);
  if (!subnetId || !vpcId || !far || !own || model.subnetContains(subnetId, far)) return [];
  const gatewayId = transitGatewayRouteOf(model, subnetId, far);
  if (gatewayId === null) return [];
  const found = transitGatewayAttachmentSubnets(model, gatewayId, vpcId, sending ? subnetId : from, sending);
  if (found === null || (found.subnets.every((id) => id === subnetId) && found.subnets.length > 0)) return [];
  const { attachmentId } = found;
  const direction: Direction = sending ? 'ingress' : 'egress';
  if (found.subnets.length === 0) {
    const hop: PathHop = {
      hop: 'network-acl',
      direction,
      peer: own.key,
      traffic: isIcmp(protocol) ? trafficText(protocol, icmpType) : rangeText(protocol, ports),
      checked: `the network ACL of ${attachmentId}'s subnet in the zone of ${subnetId}`,
      verdict: 'unknown',
      rule: null,
      explanationCode: null,
      reason: found.undetermined ?? `${attachmentId} has no subnet that carries it`,
    };
    return [{ hop, reply, subnetId: null, attachmentId, gatewayInterface: null }];
  }
  const evaluated = found.subnets.map((candidate) => {
    if (candidate === subnetId) return { candidate, crossing: null, pass: true };
    const gatewayInterface =
      model
        .interfacesInSubnets([candidate])
        .map((id) => model.interface(id)!)
        .find((n) => isTransitGatewayInterface(n) && (!n.Description?.includes('tgw-attach-') || n.Description.includes(attachmentId))) ??
      null;
    const side = { subnetId: candidate, interfaceId: gatewayInterface?.NetworkInterfaceId ?? null };
    const raw = networkAclHop(model, side, direction, protocol, ports, own, '', icmpType, true);
    const note = sending
      ? `${own.key} reaches transit gateway ${gatewayId} through its attachment ${attachmentId} in ${candidate}, whose NACL judges what enters the gateway by its inbound rules and the source address`
      : `transit gateway ${gatewayId} delivers to ${own.key} through its attachment ${attachmentId} in ${candidate}, whose NACL judges it by its outbound rules and the destination address`;
    const hop = { ...raw, checked: `${raw.checked} (${note})` };
    const crossing: AttachmentCrossing = { hop, reply, subnetId: candidate, attachmentId, gatewayInterface };
    return { candidate, crossing, pass: hop.verdict === 'allow' || hop.verdict === 'skipped' };
  });
  const crossings = evaluated.map((e) => e.crossing).filter((c): c is AttachmentCrossing => c !== null);
  // One hop per NACL: subnets sharing one are judged alike.
  const perAcl = crossings.filter(
    (c, i) => !c.hop.networkAclId || crossings.findIndex((o) => o.hop.networkAclId === c.hop.networkAclId) === i,
  );
  if (found.undetermined === null || evaluated.every((e) => e.pass)) return perAcl;
  const list = (ids: string[]): string => ids.join(', ');
  const denying = crossings.filter((c) => c.hop.verdict === 'deny');
  if (denying.length === evaluated.length) {
    const every = `transit gateway ${gatewayId} may carry it through any of ${list(found.subnets)} (${found.undetermined}), and each refuses it`;
    return perAcl.map((c) => ({ ...c, hop: { ...c.hop, reason: `${c.hop.reason}; ${every}` } }));
  }
  if (denying.length === 0) return perAcl;
  const passing = evaluated
    .filter((e) => e.pass)
    .map((e) => (e.candidate === subnetId ? `its attachment in ${subnetId}, where no rule sees it` : e.candidate));
  const first = denying[0];
  const unsure: PathHop = {
    ...first.hop,
    verdict: 'unknown',
    explanationCode: null,
    reason:
      `${first.hop.reason}, but only if transit gateway ${gatewayId} carries it through ${list(denying.map((c) => c.subnetId ?? attachmentId))}; ` +
      `through ${list(passing)} it passes, and the snapshot does not tell which: ${found.undetermined}`,
  };
  return [{ ...first, hop: unsure }];
}

/**
 * The NACL hops a transit gateway puts on a request between the ends' own subnet NACLs, in path
 * order, as `analyzePath` adds them: the source subnet's inbound rules by the source's own address
 * when a gateway is attached there (see ownAddressNetworkAclHop), the source VPC's attachment
 * subnet inbound and the destination VPC's attachment subnet outbound when the attachments lie
 * apart from the interfaces (see attachmentSubnetHops). `port` is the destination port (or the
 * ICMP type as `icmpType`). Empty when no transit gateway carries the path.
 */
export function transitGatewayRequestHops(
  model: NetworkModel,
  source: { eni: NetworkInterface; address: IpAddress },
  destination: { eni: NetworkInterface; address: IpAddress },
  protocol: number,
  port: number | null,
  icmpType: number | null,
): PathHop[] {
  const single = rulesHavePorts(protocol) && port !== null ? { from: port, to: port } : null;
  const own = ownAddressNetworkAclHop(model, source.eni, source.address, protocol, single, destination.address, icmpType);
  const crossings = transitGatewayAttachmentCrossings(
    model,
    source,
    destination,
    protocol,
    port,
    null,
    { request: icmpType, reply: null },
    {
      request: true,
      reply: false,
    },
  );
  return [...(own ? [own] : []), ...crossings.map((c) => c.hop)];
}

/**
 * The transit gateway attachment subnets apart from the ends that a connection from `client` to
 * `server` crosses, with their hops, as `analyzePath` finds them: the request's (`request`: the
 * client VPC's attachment subnet inbound by the client's address, the server VPC's outbound by the
 * server's, on `port` or the ICMP type `icmpType`) and the reply's (the server VPC's inbound by the
 * server's address, the client VPC's outbound by the client's, on `clientPorts` or `replyType`).
 * Empty when no transit gateway carries the path or its attachments share the ends' subnets.
 */
export function transitGatewayAttachmentCrossings(
  model: NetworkModel,
  client: { eni: NetworkInterface; address: IpAddress },
  server: { eni: NetworkInterface; address: IpAddress },
  protocol: number,
  port: number | null,
  clientPorts: { from: number; to: number } | null,
  icmp: { request: number | null; reply: number | null },
  parts: { request: boolean; reply: boolean },
): AttachmentCrossing[] {
  const single = rulesHavePorts(protocol) && port !== null ? { from: port, to: port } : null;
  const ports = rulesHavePorts(protocol) ? clientPorts : null;
  const found: AttachmentCrossing[] = [];
  if (parts.request) {
    const from = client.eni.SubnetId ?? null;
    found.push(
      ...attachmentSubnetHops(model, client.eni, true, false, server.address, null, client.address, protocol, single, icmp.request),
      ...attachmentSubnetHops(model, server.eni, false, false, client.address, from, server.address, protocol, single, icmp.request),
    );
  }
  if (parts.reply) {
    const from = server.eni.SubnetId ?? null;
    found.push(
      ...attachmentSubnetHops(model, server.eni, true, true, client.address, null, server.address, protocol, ports, icmp.reply),
      ...attachmentSubnetHops(model, client.eni, false, true, server.address, from, client.address, protocol, ports, icmp.reply),
    );
  }
  return found;
}

/** The request's route out of the source subnet toward the destination. */
function routeHop(model: NetworkModel, eni: NetworkInterface, destination: IpAddress | null): PathHop {
  const found = lookupRouteHop(model, eni, destination, 'the destination address is unknown', 'to');
  if ('hop' in found) return found.hop;
  const { base, match, rule, routeTableId } = found;
  const nowhere = peeringGoesNowhere(model, eni, match, routeTableId, destination!);
  if (nowhere) return { ...base, verdict: 'deny', rule, explanationCode: EXPLANATION_CODES.noRoute, reason: nowhere };
  // An internet gateway translates a private IPv4 address to the interface's public one: without
  // one it has nothing to send the packet out as, and nothing could answer it.
  if (
    match.targetType === 'internet-gateway' &&
    destination!.family === 4 &&
    model.isInternetPeer(destination!) &&
    !publicAddressOf(model, eni)
  ) {
    return {
      ...base,
      verdict: 'deny',
      rule,
      explanationCode: null,
      reason: `the route ${match.destination} of ${routeTableId} goes to ${match.target}, but ${eni.NetworkInterfaceId} has no public IPv4 address: an internet gateway sends out only the traffic of interfaces with one, translated to it`,
    };
  }
  return { ...base, verdict: 'allow', rule };
}

/**
 * The reply's route out of the destination subnet back to the client (as the destination sees
 * it): a VPC routes each direction by the table of the subnet the packet leaves, so the answer
 * needs a route of its own — through the same peering, a transit gateway, or an internet gateway
 * that knows the interface's public address (`asked`, the address the request went to, must be
 * that public address for a client on the internet). A NAT gateway or an egress-only internet gateway
 * carries only connections opened from inside the VPC: the answer to a client outside that
 * reaches one goes nowhere.
 */
function replyRouteHop(
  model: NetworkModel,
  eni: NetworkInterface,
  asked: IpAddress | null,
  client: IpAddress | null,
  clientUnknown: string,
): PathHop {
  const found = lookupRouteHop(model, eni, client, clientUnknown, 'back to');
  if ('hop' in found) return found.hop;
  const { base, match, rule, routeTableId } = found;
  const deny = (reason: string, explanationCode: string | null = EXPLANATION_CODES.noRoute): PathHop => ({
    ...base,
    verdict: 'deny',
    rule,
    explanationCode,
    reason,
  });
  const nowhere = peeringGoesNowhere(model, eni, match, routeTableId, client!);
  if (nowhere) return deny(`the reply cannot return: ${nowhere}`);
  const via = `the reply to ${client!.key} leaves by the route ${match.destination} of ${routeTableId} to ${match.target}`;
  if (match.targetType === 'nat-gateway' || match.targetType === 'egress-only-internet-gateway') {
    const gateway = match.targetType === 'nat-gateway' ? 'a NAT gateway' : 'an egress-only internet gateway';
    return deny(
      `${via}: ${gateway} carries only connections opened from inside the VPC, so ${client!.key} can open none to ${eni.NetworkInterfaceId}`,
      null,
    );
  }
  if (match.targetType === 'internet-gateway' && client!.family === 4 && model.isInternetPeer(client!)) {
    const published = publicAddressOf(model, eni);
    if (!published) {
      return deny(
        `${via}, but ${eni.NetworkInterfaceId} has no public IPv4 address: nothing from the internet reaches it through the internet gateway`,
        null,
      );
    }
    // The internet gateway translates the public address only: the internet does not route the private one.
    if (asked && !model.isInternetPeer(asked)) {
      return deny(
        `${via}, but ${client!.key} is on the internet, which reaches ${eni.NetworkInterfaceId} at its public address ${published.key} only, not at ${asked.key}`,
        null,
      );
    }
  }
  return { ...base, verdict: 'allow', rule };
}

/**
 * The address a destination on the internet sees for a source without a public IPv4 address: the
 * Elastic IP of the NAT gateway its subnet routes the destination to, from the gateway's interface
 * (`Interface for NAT Gateway nat-…`) in the snapshot; null when the route tables or that
 * interface are not in it, or the route is no active NAT gateway route.
 */
function natGatewayAddress(model: NetworkModel, source: PathEndpoint, destination: PathEndpoint): IpAddress | null {
  const eni = source.eni;
  const to = destination.address;
  if (!eni?.SubnetId || !source.address || source.address.family !== 4 || !to || !isInternetAddress(to)) return null;
  const routeTableId = model.hasRouteTables() ? model.routeTableIdForSubnet(eni.SubnetId) : undefined;
  const match = routeTableId ? lookupRoute(model, routeTableId, to) : null;
  if (routeTableId && unresolvedPrefixListRoutes(model, routeTableId, to, match).length) return null;
  if (!match || match.targetType !== 'nat-gateway' || (match.route.State ?? 'active') !== 'active') return null;
  const gateway = natGatewayInterface(model, match.target);
  return gateway ? publicAddressOf(model, gateway) : null;
}

/** A NAT gateway's interface in the snapshot (`Interface for NAT Gateway nat-…`). */
function natGatewayInterface(model: NetworkModel, natGatewayId: string): NetworkInterface | undefined {
  return (model.snapshot.NetworkInterfaces ?? []).find((n) => describeInterfaceOwner(n) === natGatewayId);
}

/** The NAT gateway the request's route hop sends the packet to, when its interface is in the snapshot. */
function natGatewayOnPath(model: NetworkModel, hops: PathHop[]): NetworkInterface | undefined {
  const route = hops.find((h) => h.hop === 'route');
  const rule = route?.verdict === 'allow' && route.rule && 'targetType' in route.rule ? route.rule : null;
  return rule?.targetType === 'nat-gateway' ? natGatewayInterface(model, rule.target) : undefined;
}

/** `not evaluated: ec2:DescribeRouteTables was refused (UnauthorizedOperation) in account …, eu-west-1, so the snapshot has no RouteTables; grant …` */
function notReadReason(entry: NotReadMember): string {
  const where = [entry.AccountId && `account ${entry.AccountId}`, entry.Region].filter(Boolean).join(', ');
  return (
    `not evaluated: ${entry.Action} was refused${entry.ErrorCode ? ` (${entry.ErrorCode})` : ''}${where ? ` in ${where}` : ''}, ` +
    `so the snapshot has no ${entry.Member}; grant ${entry.Action} to the read role (iam/ec2-config.json)`
  );
}

/** The hops of one side whose end is an id missing from the snapshot: each control unknown. */
function missingSide(
  endpoint: PathEndpoint,
  kinds: ('security-group' | 'network-acl')[],
  direction: Direction,
  traffic: string,
): PathHop[] {
  return kinds.map((hop) => ({
    hop,
    direction,
    peer: null,
    traffic,
    checked: `${hop === 'security-group' ? 'security groups' : 'network ACL'} of ${endpoint.input}`,
    verdict: 'unknown' as const,
    rule: null,
    explanationCode: null,
    reason: endpoint.missing ?? `${endpoint.input} is not in the snapshot`,
  }));
}

/** The control a denying hop names (a security group, or a NACL entry); null for any other hop. */
export function controlOf(hop: PathHop): BlockingControl | null {
  if (hop.verdict !== 'deny') return null;
  if (hop.hop === 'security-group') return { control: 'security-group', direction: hop.direction, groupIds: [...(hop.groupIds ?? [])] };
  if (hop.hop === 'network-acl' && hop.networkAclId && hop.rule && 'ruleNumber' in hop.rule) {
    return { control: 'network-acl', direction: hop.direction, networkAclId: hop.networkAclId, ruleNumber: hop.rule.ruleNumber };
  }
  return null;
}

function verdictOf(hops: PathHop[]): VerdictKind {
  if (hops.some((h) => h.verdict === 'deny')) return 'blocked';
  if (hops.some((h) => h.verdict === 'unknown')) return 'unknown';
  return 'allowed';
}

/** The reasons of the hops with `verdict`, each once: one missing interface leaves every hop of its side unknown alike. */
const reasonsOf = (hops: PathHop[], verdict: HopVerdict): string[] => [
  ...new Set(hops.filter((h) => h.verdict === verdict).map((h) => h.reason ?? h.checked)),
];

/**
 * The client's ports the reply must reach: the given source port; else the client's ephemeral
 * range — 1024-65535 for a load balancer, a NAT gateway, a Lambda function or a host outside
 * the snapshot (any operating system), 32768-65535 (Linux's and Windows' ranges) for other interfaces.
 */
function clientPortsOf(model: NetworkModel, query: PathQuery, source: PathEndpoint): { from: number; to: number } | null {
  if (!rulesHavePorts(query.protocol)) return null;
  if (query.sourcePort !== null) return { from: query.sourcePort, to: query.sourcePort };
  if (!source.eni || usesFullEphemeralRange(model.interfaceOwner(source.eni.NetworkInterfaceId))) return { ...EPHEMERAL_RANGES.elbNat };
  return { from: EPHEMERAL_RANGES.linux.from, to: EPHEMERAL_RANGES.windows.to };
}

/**
 * "Can `from` reach `to` on this protocol and port?" from the snapshot alone, with the same
 * evaluators as `explain`. The request's hops in path order: the source interface's security groups
 * (egress), its subnet's NACL (outbound), the route (from `RouteTables` when the snapshot has them,
 * else reported as not evaluated), the destination subnet's NACL (inbound), the destination
 * interface's security groups (inbound). NACLs are skipped between two addresses of one subnet; a
 * side outside the snapshot (an internet client, an on-premises host) has no hops; an id the
 * snapshot lacks makes its side unknown. Then the reply path: the NACLs the answer crosses
 * (destination subnet outbound, source subnet inbound) and, between them when route tables are
 * evaluated, the route back out of the destination subnet, for the client's port or its whole
 * ephemeral range, with the refused part of the range; none for an ICMP message of a type that
 * gets no answer (an error, a reply). Security groups are stateful and never refuse the reply. `verdict` is `blocked` when the request or its reply is refused; `blockedBy`
 * lists the request's denying controls in path order, `reply.blockedBy` the reply's.
 */
export function analyzePath(model: NetworkModel, query: PathQuery): PathAnalysis {
  const source = resolveEndpoint(model, query.from);
  const destination = resolveEndpoint(model, query.to);
  chooseAddresses(model, source, destination, query.protocol);
  const sourceSeen = sourceAddressSeen(model, source, destination) ?? natGatewayAddress(model, source, destination);
  const { protocol, port } = query;
  const traffic = trafficText(protocol, port);
  const single = rulesHavePorts(protocol) && port !== null ? { from: port, to: port } : null;
  const icmpType = isIcmp(protocol) ? port : null;
  const noAddress = (endpoint: PathEndpoint): string =>
    endpoint.missing ?? `${endpoint.input} has no address of the path's IP family in the snapshot`;
  const seenUnknown = source.address
    ? `${source.input} has no public IPv4: it reaches ${destination.address?.key ?? destination.input} through a NAT gateway whose address the snapshot does not give`
    : noAddress(source);

  const unfiltered = unfilteredReason(model, query, source, destination);
  if (unfiltered) {
    const checked = `${traffic} from ${source.address?.key ?? source.input} to ${destination.address?.key ?? destination.input}`;
    const skipped: PathHop[] = ['security-group', 'network-acl'].map((hop) => ({
      hop: hop as PathHop['hop'],
      direction: 'egress' as const,
      interfaceId: source.eni!.NetworkInterfaceId,
      peer: destination.address?.key ?? null,
      traffic,
      checked,
      verdict: 'skipped' as const,
      rule: null,
      explanationCode: null,
      reason: unfiltered,
    }));
    return {
      verdict: 'allowed',
      hops: skipped,
      blockedBy: [],
      reply: { verdict: 'allowed', hops: [], blockedBy: [] },
      suggestedFix: null,
      reason: unfiltered,
      query,
      source,
      destination,
      sourceSeen,
      clientPorts: null,
      natGateway: null,
      attachmentCrossings: [],
    };
  }

  const hops: PathHop[] = [];
  if (source.missing) hops.push(...missingSide(source, ['security-group', 'network-acl'], 'egress', traffic));
  else if (source.eni) {
    hops.push(securityGroupHop(model, source.eni, 'egress', protocol, port, destination.address, noAddress(destination)));
    hops.push(networkAclHop(model, { eni: source.eni }, 'egress', protocol, single, destination.address, noAddress(destination), icmpType));
    const own = ownAddressNetworkAclHop(model, source.eni, source.address, protocol, single, destination.address, icmpType);
    if (own) hops.push(own);
    hops.push(routeHop(model, source.eni, destination.address));
  }
  const crossings: AttachmentCrossing[] = [];
  const cross = (found: AttachmentCrossing[], into: PathHop[]): void => {
    crossings.push(...found);
    into.push(...found.map((c) => c.hop));
  };
  // Through a transit gateway attached apart from the source: its attachment subnet, inbound.
  if (source.eni && !source.missing)
    cross(
      attachmentSubnetHops(model, source.eni, true, false, destination.address, null, source.address, protocol, single, icmpType),
      hops,
    );
  // Through a NAT gateway the packet crosses the gateway's subnet: its NACL sees it come in from
  // the source and leave for the destination (translated to the gateway's own address).
  const nat = natGatewayOnPath(model, hops);
  if (nat) {
    hops.push(networkAclHop(model, { eni: nat }, 'ingress', protocol, single, source.address, noAddress(source), icmpType));
    hops.push(networkAclHop(model, { eni: nat }, 'egress', protocol, single, destination.address, noAddress(destination), icmpType));
  }
  if (destination.missing) hops.push(...missingSide(destination, ['network-acl', 'security-group'], 'ingress', traffic));
  else if (destination.eni) {
    // … and into the destination's VPC through its attachment subnet, outbound.
    const from = source.eni?.SubnetId ?? null;
    cross(
      attachmentSubnetHops(model, destination.eni, false, false, sourceSeen, from, destination.address, protocol, single, icmpType),
      hops,
    );
    hops.push(networkAclHop(model, { eni: destination.eni }, 'ingress', protocol, single, sourceSeen, seenUnknown, icmpType));
    hops.push(securityGroupHop(model, destination.eni, 'ingress', protocol, port, sourceSeen, seenUnknown));
  }

  const clientPorts = clientPortsOf(model, query, source);
  // The answer to an ICMP request has a type of its own (echo 8 -> echo reply 0); a message of
  // another known type (an error, a reply) gets no answer, and its path has no way back to check.
  const replyType = icmpReplyType(protocol, icmpType);
  const replyHops: PathHop[] = [];
  const oneWay = isIcmp(protocol) && !icmpExpectsReply(protocol, icmpType);
  if (!oneWay) {
    if (destination.missing) replyHops.push(...missingSide(destination, ['network-acl'], 'egress', rangeText(protocol, clientPorts)));
    else if (destination.eni) {
      replyHops.push(networkAclHop(model, { eni: destination.eni }, 'egress', protocol, clientPorts, sourceSeen, seenUnknown, replyType));
      const own = ownAddressNetworkAclHop(model, destination.eni, destination.address, protocol, clientPorts, sourceSeen, replyType);
      if (own) replyHops.push(own);
      // The way back, when the snapshot's route tables are evaluated at all.
      const back = replyRouteHop(model, destination.eni, destination.address, sourceSeen, seenUnknown);
      if (back.verdict !== 'skipped') replyHops.push(back);
      const found = attachmentSubnetHops(
        model,
        destination.eni,
        true,
        true,
        sourceSeen,
        null,
        destination.address,
        protocol,
        clientPorts,
        replyType,
      );
      cross(found, replyHops);
    }
    // The answer comes back to the NAT gateway's ports (1024-65535), then goes on to the client's.
    if (nat) {
      const natPorts = rulesHavePorts(protocol) ? { ...EPHEMERAL_RANGES.elbNat } : null;
      replyHops.push(
        networkAclHop(model, { eni: nat }, 'ingress', protocol, natPorts, destination.address, noAddress(destination), replyType),
      );
      replyHops.push(networkAclHop(model, { eni: nat }, 'egress', protocol, clientPorts, source.address, noAddress(source), replyType));
    }
    if (source.missing) replyHops.push(...missingSide(source, ['network-acl'], 'ingress', rangeText(protocol, clientPorts)));
    else if (source.eni) {
      const from = destination.eni?.SubnetId ?? null;
      const found = attachmentSubnetHops(
        model,
        source.eni,
        false,
        true,
        destination.address,
        from,
        source.address,
        protocol,
        clientPorts,
        replyType,
      );
      cross(found, replyHops);
      replyHops.push(
        networkAclHop(model, { eni: source.eni }, 'ingress', protocol, clientPorts, destination.address, noAddress(destination), replyType),
      );
    }
  }

  const requestVerdict = verdictOf(hops);
  const replyVerdict = verdictOf(replyHops);
  const blockedBy = hops.map(controlOf).filter((c): c is BlockingControl => c !== null);
  const replyBlockedBy = replyHops.map(controlOf).filter((c): c is BlockingControl => c !== null);
  let verdict: VerdictKind;
  let reason: string;
  const what = `${traffic} from ${source.address?.key ?? source.input} to ${destination.address?.key ?? destination.input}`;
  if (requestVerdict === 'blocked') {
    verdict = 'blocked';
    reason = reasonsOf(hops, 'deny').join('; and ');
    if (replyVerdict === 'blocked') reason += `; the reply would be refused too: ${reasonsOf(replyHops, 'deny').join('; and ')}`;
  } else if (replyVerdict === 'blocked') {
    verdict = 'blocked';
    reason = `the request passes, but the reply is refused: ${reasonsOf(replyHops, 'deny').join('; and ')}`;
  } else if (requestVerdict === 'unknown' || replyVerdict === 'unknown') {
    verdict = 'unknown';
    reason = reasonsOf([...hops, ...replyHops], 'unknown').join('; and ');
  } else if (!source.eni && !destination.eni) {
    verdict = 'unknown';
    reason = `neither ${source.input} nor ${destination.input} is in the snapshot: no control on the path is known`;
  } else {
    verdict = 'allowed';
    reason = oneWay
      ? `every control on the path allows ${what}, a message no reply answers`
      : `every control on the path allows ${what}, and the reply`;
  }
  return {
    verdict,
    hops,
    blockedBy,
    reply: { verdict: replyVerdict, hops: replyHops, blockedBy: replyBlockedBy },
    suggestedFix: null,
    reason,
    query,
    source,
    destination,
    sourceSeen,
    clientPorts,
    natGateway: nat ?? null,
    attachmentCrossings: crossings,
  };
}

/**
 * Why the path is traffic no security group or NACL filters (instance metadata, Amazon DNS, Time
 * Sync, DHCP, the Route 53 Resolver, the VPC router), as `explain` recognises it; null otherwise.
 */
function unfilteredReason(model: NetworkModel, query: PathQuery, source: PathEndpoint, destination: PathEndpoint): string | null {
  if (!source.eni || !destination.address) return null;
  const flow = {
    interfaceId: source.eni.NetworkInterfaceId,
    protocol: query.protocol,
    srcport: rulesHavePorts(query.protocol) ? (query.sourcePort ?? EPHEMERAL_RANGES.linux.from) : null,
    dstport: rulesHavePorts(query.protocol) ? query.port : null,
  } as FlowAggregate;
  const reason = unfilteredTrafficReason(model, flow, destination.address);
  return reason ? reason.replace(', and flow logs do not record it', ': it always passes') : null;
}

/** The contract's members of an analysis (what the CLI and the API print). */
export function pathVerdictOf(analysis: PathVerdict): PathVerdict {
  const { verdict, hops, blockedBy, reply, suggestedFix, reason } = analysis;
  return { verdict, hops, blockedBy, reply, suggestedFix, reason };
}
