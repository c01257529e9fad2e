import type { IpAddress } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { lookupRoute } from '../path/route-lookup';

/**
 * The transit gateway that carries traffic between an interface of `subnetId` and `peer` through
 * an attachment whose interface lies in that same subnet: the subnet's route table (its own, else
 * its VPC's main one) sends `peer` to a transit gateway by an active route, and one of that
 * gateway's live VPC attachments lists the subnet. Null otherwise, and when the snapshot has no
 * route tables (the path is then not known).
 *
 * Such traffic meets the subnet's network ACL as the Transit Gateways Guide ("Network ACLs for
 * transit gateways") gives it for instances and the attachment in one subnet: from the instance to
 * the gateway, the outbound rules by the destination address and the inbound rules by the source
 * address (the instance's own); from the gateway to the instance, no rule at all.
 */
export function transitGatewayInSubnet(model: NetworkModel, subnetId: string, peer: IpAddress): string | null {
  const attached = model.transitGatewaysAttachedIn(subnetId);
  if (attached.length === 0) return null;
  const tableId = model.routeTableIdForSubnet(subnetId);
  if (tableId === undefined) return null;
  const route = lookupRoute(model, tableId, peer);
  if (route?.targetType !== 'transit-gateway' || (route.route.State ?? 'active') !== 'active') return null;
  return attached.includes(route.target) ? route.target : null;
}

/**
 * Through which subnet's attachment interface transit gateway `gatewayId` delivers what `peer`
 * sends to an interface of `subnetId` (a subnet holding one of its attachments, see
 * `transitGatewayInSubnet`): `own-subnet` when it can only be that subnet's (its NACL then judges
 * nothing the gateway delivers), `other-subnet` when it is another subnet's (the packets then
 * cross into `subnetId` like any, and its inbound rules judge them), `either` when the snapshot
 * cannot tell.
 *
 * Without appliance mode a transit gateway keeps traffic in the Availability Zone it comes from
 * (Transit Gateways Guide, "Availability Zones"): it enters the VPC through the attachment's
 * subnet in the peer's zone, or through one of the attachment's subnets when it has none there.
 * The peer's zone is that of its interface's subnet (`AvailabilityZoneId`, else
 * `AvailabilityZone`); a peer the snapshot does not place, or an attachment in appliance mode,
 * leaves every attachment subnet possible; so does `peerPlaced` false (`peer` stands for a block of
 * addresses, which may lie in any zone).
 */
export function transitGatewayDelivery(
  model: NetworkModel,
  gatewayId: string,
  subnetId: string,
  peer: IpAddress,
  peerPlaced = true,
): 'own-subnet' | 'other-subnet' | 'either' {
  const vpcId = model.subnet(subnetId)?.VpcId;
  const attachments = vpcId ? model.transitGatewayVpcAttachments(gatewayId, vpcId) : [];
  const live = attachments.filter((a) => {
    const state = a.State ?? 'available';
    return (state === 'available' || state === 'modifying') && (a.SubnetIds ?? []).includes(subnetId);
  });
  const subnets = [...new Set(live.flatMap((a) => a.SubnetIds ?? []))];
  const appliance = live.some((a) => a.Options?.ApplianceModeSupport === 'enable');
  const zone = (id: string | undefined): string | null => {
    const subnet = id ? model.subnet(id) : undefined;
    return subnet?.AvailabilityZoneId ?? subnet?.AvailabilityZone ?? null;
  };
  const peerZones = new Set(peerPlaced ? model.interfacesByPrivateAddress(peer).map((eni) => zone(eni.SubnetId)) : []);
  const peerZone = peerZones.size === 1 ? [...peerZones][0] : null;
  let candidates = subnets;
  if (!appliance && peerZone !== null) {
    const inZone = subnets.filter((id) => zone(id) === peerZone);
    // A subnet whose zone the snapshot does not give could be the one in the peer's zone.
    const unplaced = subnets.filter((id) => zone(id) === null);
    if (inZone.length > 0) candidates = inZone;
    else if (unplaced.length > 0) candidates = unplaced.includes(subnetId) ? subnets : unplaced;
  }
  if (candidates.every((id) => id === subnetId)) return 'own-subnet';
  return candidates.includes(subnetId) ? 'either' : 'other-subnet';
}

/** Which subnets of a VPC's attachment to a transit gateway the traffic of one side may cross. */
export interface AttachmentSubnets {
  gatewayId: string;
  /** The attachment (the first, when the snapshot lists several live ones). */
  attachmentId: string;
  /** The subnets it may cross, in the attachment's order; empty when none carries it. */
  subnets: string[];
  /** What the snapshot does not tell when more than one subnet may carry it (or none does); null when it is one. */
  undetermined: string | null;
}

const zoneOf = (model: NetworkModel, subnetId: string | undefined): string | null => {
  const subnet = subnetId ? model.subnet(subnetId) : undefined;
  return subnet?.AvailabilityZoneId ?? subnet?.AvailabilityZone ?? null;
};

/**
 * The subnets of `vpcId`'s live attachments to `gatewayId` (their `SubnetIds`) through which one
 * side of a path meets the gateway; null when the snapshot lists no such attachment with subnets.
 *
 * - `sending`: what an instance of `fromSubnet` sends the gateway. The VPC forwards it to the
 *   attachment's interface in the instance's own Availability Zone (the Transit Gateways Guide,
 *   "Amazon VPC attachments": only from zones the attachment has a subnet in), whatever the
 *   attachment's appliance mode, which is the gateway's own choice of where to deliver.
 * - delivering (`sending` false): what the gateway delivers into the VPC. Without appliance mode it
 *   keeps traffic in the Availability Zone it comes from (`fromSubnet`'s zone, the side where it
 *   entered the gateway): the attachment's subnet in that zone (zone ID, else name), else one of its
 *   subnets. With appliance mode (`ApplianceModeSupport` `enable`) it picks one subnet for the
 *   flow's life, which the snapshot cannot tell; so too when the zone is not known.
 */
export function transitGatewayAttachmentSubnets(
  model: NetworkModel,
  gatewayId: string,
  vpcId: string,
  fromSubnet: string | null,
  sending: boolean,
): AttachmentSubnets | null {
  const live = model.transitGatewayVpcAttachments(gatewayId, vpcId).filter((a) => {
    const state = a.State ?? 'available';
    return (state === 'available' || state === 'modifying') && (a.SubnetIds ?? []).length > 0;
  });
  if (live.length === 0) return null;
  const attachmentId = live[0].TransitGatewayAttachmentId;
  const all = [...new Set(live.flatMap((a) => a.SubnetIds ?? []))];
  const result = (subnets: string[], undetermined: string | null): AttachmentSubnets => ({
    gatewayId,
    attachmentId,
    subnets,
    undetermined: subnets.length === 1 ? null : undetermined,
  });
  // An instance of an attachment subnet meets the gateway there (its zone's one).
  if (sending && fromSubnet !== null && all.includes(fromSubnet)) return result([fromSubnet], null);
  if (!sending && live.some((a) => a.Options?.ApplianceModeSupport === 'enable'))
    return result(all, `${attachmentId} is in appliance mode: transit gateway ${gatewayId} picks one of its subnets for the flow's life`);
  const zone = zoneOf(model, fromSubnet ?? undefined);
  if (zone === null)
    return result(
      all,
      fromSubnet === null
        ? `the Availability Zone the traffic comes from is not known`
        : `the snapshot gives no Availability Zone for ${fromSubnet}`,
    );
  const inZone = all.filter((id) => zoneOf(model, id) === zone);
  if (inZone.length > 0) return result(inZone, null);
  // A subnet whose zone the snapshot does not give could be the one in that zone.
  const unplaced = all.filter((id) => zoneOf(model, id) === null);
  if (unplaced.length > 0) return result(unplaced, `the snapshot gives no Availability Zone for ${unplaced.join(', ')}`);
  if (sending)
    return result(
      [],
      `${attachmentId} has no subnet in ${zone}, the Availability Zone of ${fromSubnet}: the VPC forwards to transit gateway ${gatewayId} only from zones it is attached in`,
    );
  return result(
    all,
    `${attachmentId} has no subnet in ${zone}, where the traffic comes from: transit gateway ${gatewayId} picks one of its subnets`,
  );
}

/**
 * The transit gateway that the route table of `subnetId` (its own, else its VPC's main one) sends
 * `peer` to by an active route; null otherwise, and when the snapshot has no route tables.
 */
export function transitGatewayRouteOf(model: NetworkModel, subnetId: string, peer: IpAddress): string | null {
  const tableId = model.routeTableIdForSubnet(subnetId);
  if (tableId === undefined) return null;
  const route = lookupRoute(model, tableId, peer);
  if (route?.targetType !== 'transit-gateway' || (route.route.State ?? 'active') !== 'active') return null;
  return route.target;
}
