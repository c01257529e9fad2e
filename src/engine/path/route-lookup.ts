import { type IpAddress, cidrContains, isInternetAddress, parseCidr } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import type { Route } from '../network/snapshot';
import type { RouteTargetType } from './path-result';

/** The route a packet takes out of a subnet. */
export interface RouteMatch {
  route: Route;
  /** The route's destination as written (`10.0.0.0/16`, `::/0`, `pl-…`). */
  destination: string;
  target: string;
  targetType: RouteTargetType;
  /** The length of the matching prefix (of the CIDR block, or of the prefix list's matching entry). */
  prefix: number;
}

/**
 * True for the route a gateway VPC endpoint adds: its service's AWS-managed prefix list
 * (`com.amazonaws.REGION.s3`, `….dynamodb`) to the endpoint. A Gateway Load Balancer endpoint is a
 * `vpce-` target too, but in front of an appliance, and is reached through the user's own routes.
 */
function isGatewayEndpointRoute(model: NetworkModel, route: Route): boolean {
  if (!route.GatewayId?.startsWith('vpce-') || !route.DestinationPrefixListId) return false;
  const list = model.managedPrefixList(route.DestinationPrefixListId);
  return list !== undefined && (list.OwnerId === 'AWS' || (list.PrefixListName?.startsWith('com.amazonaws.') ?? false));
}

function targetOf(model: NetworkModel, route: Route): { target: string; targetType: RouteTargetType } {
  if (route.GatewayId === 'local') return { target: 'local', targetType: 'local' };
  if (isGatewayEndpointRoute(model, route)) return { target: route.GatewayId!, targetType: 'gateway-endpoint' };
  if (route.VpcPeeringConnectionId) return { target: route.VpcPeeringConnectionId, targetType: 'peering' };
  if (route.TransitGatewayId) return { target: route.TransitGatewayId, targetType: 'transit-gateway' };
  if (route.NatGatewayId) return { target: route.NatGatewayId, targetType: 'nat-gateway' };
  if (route.EgressOnlyInternetGatewayId) return { target: route.EgressOnlyInternetGatewayId, targetType: 'egress-only-internet-gateway' };
  if (route.GatewayId?.startsWith('igw-')) return { target: route.GatewayId, targetType: 'internet-gateway' };
  const other =
    route.GatewayId ??
    route.NetworkInterfaceId ??
    route.InstanceId ??
    route.CarrierGatewayId ??
    route.LocalGatewayId ??
    route.CoreNetworkArn ??
    route.OdbNetworkArn ??
    'unknown';
  return { target: other, targetType: 'other' };
}

/**
 * The most specific route of the table whose destination (CIDR block, or the CIDRs of a prefix
 * list from `PrefixListEntries`) contains `address`; null when none does. At equal prefix length a
 * route to a CIDR block (a static route) wins over a route to a prefix list, wherever the table
 * lists it, as VPC route priority has it; other ties keep the table's order.
 */
export function lookupRoute(model: NetworkModel, routeTableId: string, address: IpAddress): RouteMatch | null {
  let best: { route: Route; prefix: number; destination: string; prefixList: boolean } | null = null;
  for (const route of model.routeTable(routeTableId)?.Routes ?? []) {
    let prefix = -1;
    let destination = '';
    const cidrText = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock;
    if (cidrText) {
      const cidr = parseCidr(cidrText);
      if (cidr && cidrContains(cidr, address)) prefix = cidr.prefix;
      destination = cidrText;
    } else if (route.DestinationPrefixListId) {
      destination = route.DestinationPrefixListId;
      for (const cidr of model.prefixListCidrs(route.DestinationPrefixListId) ?? []) {
        if (cidrContains(cidr, address)) prefix = Math.max(prefix, cidr.prefix);
      }
    }
    const prefixList = !cidrText;
    const better = !best || prefix > best.prefix || (prefix === best.prefix && best.prefixList && !prefixList);
    if (prefix >= 0 && better) best = { route, prefix, destination, prefixList };
  }
  return best ? { route: best.route, destination: best.destination, prefix: best.prefix, ...targetOf(model, best.route) } : null;
}

/**
 * The prefix lists the table routes to whose entries the snapshot lacks (no `PrefixListEntries`
 * for them) and that could hold a more specific match for `address` than `match`: while they
 * are unknown, so is the route the packet takes. A list whose `AddressFamily` is the other
 * family's never matches, nor does a gateway endpoint's list an address that is not on the internet.
 */
export function unresolvedPrefixListRoutes(
  model: NetworkModel,
  routeTableId: string,
  address: IpAddress,
  match: RouteMatch | null,
): string[] {
  const longest = address.family === 4 ? 32 : 128;
  // A host route to a CIDR block wins over anything a prefix list could hold.
  if (match && match.prefix === longest && !match.route.DestinationPrefixListId) return [];
  const unresolved: string[] = [];
  for (const route of model.routeTable(routeTableId)?.Routes ?? []) {
    const id = route.DestinationPrefixListId;
    if (!id || model.prefixListCidrs(id) !== undefined) continue;
    const family = model.managedPrefixList(id)?.AddressFamily;
    if (family && family !== `IPv${address.family}`) continue;
    // A gateway endpoint's list (S3's, DynamoDB's) holds its service's public ranges only.
    if (isGatewayEndpointRoute(model, route) && !isInternetAddress(address)) continue;
    unresolved.push(id);
  }
  return unresolved;
}
