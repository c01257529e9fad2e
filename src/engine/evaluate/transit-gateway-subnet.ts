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
 * leaves every attachment subnet possible.
 */
export function transitGatewayDelivery(
  model: NetworkModel,
  gatewayId: string,
  subnetId: string,
  peer: IpAddress,
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
  const peerZones = new Set(model.interfacesByPrivateAddress(peer).map((eni) => zone(eni.SubnetId)));
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
