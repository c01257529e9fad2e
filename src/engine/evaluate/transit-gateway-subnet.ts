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
