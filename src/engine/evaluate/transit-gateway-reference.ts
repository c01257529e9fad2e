import type { IpAddress } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import type { NetworkInterface, NotReadMember, TransitGatewayVpcAttachment } from '../network/snapshot';
import { lookupRoute } from '../path/route-lookup';

/** true: the reference matches; false: it does not; a string: why it cannot be decided. */
type Match = true | false | string;

/**
 * Whether a reference to `groupId` in an inbound rule of an interface in `vpcId` (subnet
 * `subnetId`) matches `peer`, a private address of an interface carrying the group in a VPC that
 * neither `vpcId` nor a same-region peering of it is, when the interface's route table sends
 * `peer` to a transit gateway. Null when nothing routes it there through one (the reference is
 * then judged as any other).
 *
 * A transit gateway resolves such references across the VPCs attached to it, in its Region, for
 * inbound rules only, when security group referencing is enabled on the gateway (off when it is
 * created) and on both VPC attachments (on when they are created); never across a transit gateway
 * peering, where both VPCs are not attached to the same gateway. So with the gateway and the
 * attachments in the snapshot (DescribeTransitGateways, DescribeTransitGatewayVpcAttachments) the
 * reference matches when all three say `enable` and both attachments are `available`; it does not
 * when one of them says `disable`, the gateway is not `available`, or a VPC has no live attachment
 * to it where the snapshot would list one (see `NetworkModel.transitGatewayAttachmentsListed`).
 * What the snapshot does not show — the gateway or an attachment not in it, a setting left out,
 * one being modified — leaves it undecided, saying which, and naming the refusal when AWS refused
 * the call that lists it.
 */
export function referenceThroughTransitGateway(
  model: NetworkModel,
  groupId: string,
  peer: IpAddress,
  vpcId: string,
  subnetId: string | null,
): Match | null {
  const tables = routeTablesToward(model, vpcId, subnetId);
  if (!tables) return null;
  // Only the VPCs the group has members in can hold the peer as one: most groups have one, and
  // a group whose members are all in reachable VPCs (the usual case) ends the search here.
  let carrier: NetworkInterface | undefined;
  const reachable = model.reachableVpcs(vpcId);
  for (const memberVpc of memberVpcsOf(model, groupId)) {
    const [id] = memberVpc;
    if (reachable.has(id)) continue;
    carrier = model
      .interfacesByPrivateAddress(peer, memberVpc)
      .find((eni) => model.securityGroupsOf(eni.NetworkInterfaceId).includes(groupId));
    if (carrier) break;
  }
  const carrierVpc = carrier ? model.interfaceVpcId(carrier.NetworkInterfaceId) : null;
  if (!carrierVpc) return null;
  for (const tableId of tables) {
    const route = lookupRoute(model, tableId, peer);
    if (route?.targetType !== 'transit-gateway' || (route.route.State ?? 'active') !== 'active') continue;
    const lead = `${peer.key} carries ${groupId} in ${carrierVpc}, which ${vpcId} reaches through transit gateway ${route.target}`;
    return referencingDecision(model, route.target, vpcId, carrierVpc, lead);
  }
  return null;
}

/** What the transit gateway and the attachments of both VPCs to it say, all of which must allow. */
function referencingDecision(model: NetworkModel, gatewayId: string, ruleVpc: string, peerVpc: string, lead: string): Match {
  const parts = [gatewaySays(model, gatewayId), attachmentSays(model, gatewayId, ruleVpc), attachmentSays(model, gatewayId, peerVpc)];
  if (parts.includes(false)) return false;
  const unknown = parts.find((part): part is string => typeof part === 'string');
  if (unknown === undefined) return true;
  return `${lead}: the reference matches there only when security group referencing is enabled on the transit gateway and on both VPC attachments, ${unknown}`;
}

/** true: `enable` on an available gateway; false: `disable`, or a gateway that is not available; a string: what is not shown. */
function gatewaySays(model: NetworkModel, gatewayId: string): Match {
  const gateway = model.transitGateway(gatewayId);
  if (!gateway) return notShown(model.notRead('TransitGateways', undefined));
  const state = gateway.State ?? 'available';
  if (state === 'modifying') return `and transit gateway ${gatewayId} is being modified`;
  if (state !== 'available') return false;
  const setting = gateway.Options?.SecurityGroupReferencingSupport;
  if (setting === undefined) return `and the snapshot gives no SecurityGroupReferencingSupport for transit gateway ${gatewayId}`;
  return setting === 'enable';
}

/**
 * true: the VPC's attachment to the gateway is available with `enable`; false: it says `disable`,
 * or the VPC has no live attachment where the snapshot would list one; a string: what is not shown.
 * A VPC attaches to a gateway once, so one attachment listed is the VPC's.
 */
function attachmentSays(model: NetworkModel, gatewayId: string, vpcId: string): Match {
  const live = model.transitGatewayVpcAttachments(gatewayId, vpcId).filter((a) => liveState(a) !== null);
  if (live.some((a) => liveState(a) === 'available' && a.Options?.SecurityGroupReferencingSupport === 'enable')) return true;
  const modifying = live.find((a) => liveState(a) === 'modifying');
  if (modifying) return `and the attachment ${modifying.TransitGatewayAttachmentId} of ${vpcId} is being modified`;
  const unset = live.find((a) => a.Options?.SecurityGroupReferencingSupport === undefined);
  if (unset)
    return `and the snapshot gives no SecurityGroupReferencingSupport for the attachment ${unset.TransitGatewayAttachmentId} of ${vpcId}`;
  if (live.length > 0 || model.transitGatewayAttachmentsListed(gatewayId, vpcId)) return false;
  const refused = model.notRead('TransitGatewayVpcAttachments', model.vpc(vpcId)?.OwnerId);
  if (refused || model.snapshot.TransitGatewayVpcAttachments === undefined) return notShown(refused);
  return (
    `which the snapshot does not show: it lists no attachment of ${vpcId} to ${gatewayId}, ` +
    `and was read neither in the account of ${vpcId} nor in the gateway's`
  );
}

/** `available` (or no state: a snapshot written by hand), `modifying`, or null for an attachment that carries no traffic. */
function liveState(attachment: TransitGatewayVpcAttachment): 'available' | 'modifying' | null {
  const state = attachment.State ?? 'available';
  return state === 'available' || state === 'modifying' ? state : null;
}

/** The snapshot lacks the member that would tell; when AWS refused the call, which call, where, and what to grant. */
function notShown(refused: NotReadMember | undefined): string {
  if (!refused) return 'which the snapshot does not show';
  const where = [refused.AccountId && `account ${refused.AccountId}`, refused.Region].filter(Boolean).join(', ');
  return (
    `which the snapshot does not show: ${refused.Action} was refused${refused.ErrorCode ? ` (${refused.ErrorCode})` : ''}` +
    `${where ? ` in ${where}` : ''}; grant it to the read role (iam/ec2-config.json)`
  );
}

/**
 * The route tables whose route to `peer` decides whether it leaves through a transit gateway: the
 * subnet's own (its explicit association, else the VPC's main table) when the snapshot gives it,
 * else every table of the VPC that routes to one. Undefined when none of them routes to a
 * transit gateway at all (most VPCs).
 */
function routeTablesToward(model: NetworkModel, vpcId: string, subnetId: string | null): readonly string[] | undefined {
  const { byVpc, withRoute } = transitGatewayTablesOf(model);
  const tables = byVpc.get(vpcId);
  if (!tables) return undefined;
  const own = subnetId ? model.routeTableIdForSubnet(subnetId) : undefined;
  if (own === undefined) return tables;
  return withRoute.has(own) ? [own] : undefined;
}

/**
 * The interfaces holding private address `peer` in VPCs that neither `vpcId` nor a same-region
 * peering of it is, when the route table of an interface in `vpcId` (subnet `subnetId`) sends
 * `peer` to a transit gateway by an active route and the interface's VPC has a live attachment to
 * that gateway. Where the snapshot lists no attachments there (`transitGatewayAttachmentsListed`),
 * the address held in one such VPC only is taken as reached; in several, none is (an address of
 * overlapping blocks cannot be told apart without the attachments).
 */
export function interfacesThroughTransitGateway(
  model: NetworkModel,
  peer: IpAddress,
  vpcId: string,
  subnetId: string | null,
): NetworkInterface[] {
  const tables = routeTablesToward(model, vpcId, subnetId);
  if (!tables) return [];
  const gateways = new Set<string>();
  for (const tableId of tables) {
    const route = lookupRoute(model, tableId, peer);
    if (route?.targetType === 'transit-gateway' && (route.route.State ?? 'active') === 'active') gateways.add(route.target);
  }
  if (!gateways.size) return [];
  const reachable = model.reachableVpcs(vpcId);
  const beyond = model.interfacesByPrivateAddress(peer).filter((eni) => {
    const carrierVpc = model.interfaceVpcId(eni.NetworkInterfaceId);
    return carrierVpc !== null && !reachable.has(carrierVpc);
  });
  const carrierVpcs = new Set(beyond.map((eni) => model.interfaceVpcId(eni.NetworkInterfaceId)!));
  return beyond.filter((eni) => {
    const carrierVpc = model.interfaceVpcId(eni.NetworkInterfaceId)!;
    return [...gateways].some((gatewayId) => {
      if (model.transitGatewayVpcAttachments(gatewayId, carrierVpc).some((a) => liveState(a) !== null)) return true;
      return !model.transitGatewayAttachmentsListed(gatewayId, carrierVpc) && carrierVpcs.size === 1;
    });
  });
}

/** Per model and group: the VPCs its members are in, each as a set of one for `interfacesByPrivateAddress`. */
const groupMemberVpcs = new WeakMap<NetworkModel, Map<string, readonly ReadonlySet<string>[]>>();

function memberVpcsOf(model: NetworkModel, groupId: string): readonly ReadonlySet<string>[] {
  let byGroup = groupMemberVpcs.get(model);
  if (!byGroup) groupMemberVpcs.set(model, (byGroup = new Map()));
  let vpcs = byGroup.get(groupId);
  if (!vpcs) {
    const ids = new Set(model.interfacesWithGroup(groupId).map((eniId) => model.interfaceVpcId(eniId)));
    vpcs = [...ids].filter((id): id is string => Boolean(id)).map((id) => new Set([id]));
    byGroup.set(groupId, vpcs);
  }
  return vpcs;
}

interface TransitGatewayTables {
  /** The tables of each VPC that route something to a transit gateway (VPCs with none are absent). */
  byVpc: ReadonlyMap<string, readonly string[]>;
  /** Every table that routes something to a transit gateway. */
  withRoute: ReadonlySet<string>;
}

/** Per model: the route tables that route to a transit gateway, found once (most VPCs have none), not per flow. */
const transitGatewayTables = new WeakMap<NetworkModel, TransitGatewayTables>();

function transitGatewayTablesOf(model: NetworkModel): TransitGatewayTables {
  let found = transitGatewayTables.get(model);
  if (!found) {
    const byVpc = new Map<string, string[]>();
    const withRoute = new Set<string>();
    for (const table of model.snapshot.RouteTables ?? []) {
      if (!table.VpcId || !table.RouteTableId || !(table.Routes ?? []).some((r) => r.TransitGatewayId)) continue;
      withRoute.add(table.RouteTableId);
      const list = byVpc.get(table.VpcId);
      if (list) list.push(table.RouteTableId);
      else byVpc.set(table.VpcId, [table.RouteTableId]);
    }
    found = { byVpc, withRoute };
    transitGatewayTables.set(model, found);
  }
  return found;
}

/**
 * The groups an inbound rule of an interface in `vpcId` (subnet `subnetId`) can reference so that
 * the reference matches `peer` through a transit gateway: the groups of the interfaces holding that
 * private address outside `vpcId` and its same-region peerings for which
 * `referenceThroughTransitGateway` says the reference matches — never one it finds undecided or
 * not matching. Empty for an internet address, and when an interface of `vpcId` or a VPC peered
 * with it holds the address (a reference is decided there, as `groupReferenceMatches` does).
 */
export function groupsReferencedThroughTransitGateway(
  model: NetworkModel,
  peer: IpAddress,
  vpcId: string,
  subnetId: string | null,
): string[] {
  if (model.isInternetPeer(peer)) return [];
  const reachable = model.reachableVpcs(vpcId);
  if (model.interfacesByPrivateAddress(peer, reachable).length > 0) return [];
  const groups = new Set<string>();
  for (const eni of model.interfacesByPrivateAddress(peer)) {
    const carrierVpc = model.interfaceVpcId(eni.NetworkInterfaceId);
    if (!carrierVpc || reachable.has(carrierVpc)) continue;
    for (const groupId of model.securityGroupsOf(eni.NetworkInterfaceId)) groups.add(groupId);
  }
  return [...groups].filter((groupId) => referenceThroughTransitGateway(model, groupId, peer, vpcId, subnetId) === true).sort();
}
