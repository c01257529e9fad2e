import type { NetworkModel } from '../network/network-model';
import type { NetworkInterface } from '../network/snapshot';
import { findPeerInterface } from '../findings/peer-lookup';
import { coverAddresses } from '../ip/cidr-cover';

/** Limits for covering observed peers with CIDRs (documented with `coverPeers`). */
export const PEER_COVER = {
  maxPrefixes: 5,
  subnetThreshold: 5,
  /** Peers this close are one range: a /22 (1,024 addresses) inside, a /27 (32) on the internet. */
  internalMergeWithin: { 4: 22, 6: 118 },
  internetMergeWithin: { 4: 27, 6: 120 },
  /** Internal peers never widen past a /8 (IPv4) or /32 (IPv6): RFC 1918's largest block. */
  internalMinPrefix: { 4: 8, 6: 32 },
  /** Internet peers never widen past a /16 (IPv4) or /48 (IPv6). */
  internetMinPrefix: { 4: 16, 6: 48 },
} as const;

/** The CIDRs of every subnet of a model (IPv4 and IPv6), listed once per model: every fix's cover reads them. */
const subnetCidrs = new WeakMap<NetworkModel, readonly string[]>();

function subnetCidrsOf(model: NetworkModel): readonly string[] {
  let cidrs = subnetCidrs.get(model);
  if (!cidrs) {
    cidrs = (model.snapshot.Subnets ?? []).flatMap((s) => [
      ...(s.CidrBlock ? [s.CidrBlock] : []),
      ...(s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock).filter((c): c is string => Boolean(c)),
    ]);
    subnetCidrs.set(model, cidrs);
  }
  return cidrs;
}

/**
 * The narrowest CIDRs covering observed peer addresses. Internal and internet peers are covered
 * separately so one CIDR never mixes them (an address of a VPC's block is internal, even in public
 * space: see `NetworkModel.isInternetPeer`). Internal peers: a known subnet's CIDR replaces five or
 * more of its addresses; peers within one /22 (/118) become that range; then blocks merge
 * pairwise (smallest supernet first) down to five CIDRs but never wider than /8 (/32 for IPv6),
 * so never 0.0.0.0/0 or ::/0. Internet peers: peers within one /27 (/120) become that range,
 * else /32 (/128) each up to five, else merged no wider than /16 (/48).
 */
export function coverPeers(model: NetworkModel, addresses: Iterable<string>, internalBlocks: readonly string[] = []): string[] {
  const internal: string[] = [];
  const internet: string[] = [];
  for (const address of new Set(addresses)) {
    const ip = model.address(address);
    (ip !== null && model.isInternetPeer(ip) ? internet : internal).push(address);
  }
  const subnets = subnetCidrsOf(model);
  return [
    ...coverAddresses(internal, {
      maxPrefixes: PEER_COVER.maxPrefixes,
      minPrefixLength: PEER_COVER.internalMinPrefix,
      mergeWithin: PEER_COVER.internalMergeWithin,
      subnets,
      subnetThreshold: PEER_COVER.subnetThreshold,
      blocks: internalBlocks,
    }),
    ...coverAddresses(internet, {
      maxPrefixes: PEER_COVER.maxPrefixes,
      minPrefixLength: PEER_COVER.internetMinPrefix,
      mergeWithin: PEER_COVER.internetMergeWithin,
    }),
  ];
}

/** The interfaces of the load balancer `eni` belongs to (itself included), or null when it is no load balancer's. */
function loadBalancerNodes(model: NetworkModel, eni: NetworkInterface): { owner: string; nodes: NetworkInterface[] } | null {
  const owner = model.interfaceOwner(eni.NetworkInterfaceId);
  if (!owner?.startsWith('elb:')) return null;
  const nodes: NetworkInterface[] = [];
  for (const n of model.interfaces()) if (n.VpcId === eni.VpcId && model.interfaceOwner(n.NetworkInterfaceId) === owner) nodes.push(n);
  return { owner, nodes };
}

/** The private addresses of the family of `v6` of these interfaces. */
function addressesOf(nodes: readonly NetworkInterface[], v6: boolean): string[] {
  return nodes
    .flatMap((n) => (v6 ? (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address) : [n.PrivateIpAddress]))
    .filter((a): a is string => Boolean(a));
}

/**
 * The peers plus every private address of the other interfaces of a load balancer among them: a
 * load balancer has one interface per subnet (Availability Zone) and any of them may send next,
 * so a rule written for the ones seen must cover the whole load balancer.
 */
export function withLoadBalancerSiblings(model: NetworkModel, capturingEniId: string, addresses: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const address of addresses) {
    out.add(address);
    const eni = findPeerInterface(model, capturingEniId, address);
    const balancer = eni ? loadBalancerNodes(model, eni) : null;
    if (balancer) for (const sibling of addressesOf(balancer.nodes, address.includes(':'))) out.add(sibling);
  }
  return [...out];
}

/**
 * The CIDRs a NACL entry for these peers (each seen at the interface of the same index) names:
 * `coverPeers` of the addresses with their load balancers' other interfaces, except that the
 * nodes of an Application or Classic Load Balancer are covered by the subnets the load balancer
 * has interfaces in. Its nodes are replaced and added as it scales, each time at a new address of
 * those subnets, so an entry naming today's node addresses would drop its traffic tomorrow
 * (a Network Load Balancer keeps one fixed address per subnet: its addresses stay). Where the
 * snapshot gives no block of the family for those subnets, the nodes' addresses stand in.
 */
export function coverPeersForNacl(model: NetworkModel, capturingEniIds: readonly string[], addresses: readonly string[]): string[] {
  const subnets = new Set<string>();
  const rest = new Set<string>();
  // A load balancer's flows are many, its interfaces few: each is covered once per family.
  const seen = new Set<string>();
  addresses.forEach((address, i) => {
    const eni = findPeerInterface(model, capturingEniIds[i], address);
    const balancer = eni ? loadBalancerNodes(model, eni) : null;
    if (!balancer) {
      rest.add(address);
      return;
    }
    const v6 = address.includes(':');
    const key = `${eni!.VpcId}|${balancer.owner}|${v6}`;
    if (seen.has(key)) return;
    seen.add(key);
    const blocks = movingNodes(balancer.owner) ? subnetBlocksOf(model, balancer.nodes, v6) : [];
    for (const block of blocks) subnets.add(block);
    if (blocks.length === 0) for (const node of [address, ...addressesOf(balancer.nodes, v6)]) rest.add(node);
  });
  return coverPeers(model, rest, [...subnets]);
}

/** The CIDR blocks of the family of `v6` of the subnets these interfaces are in. */
function subnetBlocksOf(model: NetworkModel, nodes: readonly NetworkInterface[], v6: boolean): string[] {
  return nodes.flatMap((n) => {
    const subnet = n.SubnetId ? model.subnet(n.SubnetId) : undefined;
    const blocks = v6 ? (subnet?.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock) : [subnet?.CidrBlock];
    return blocks.filter((b): b is string => Boolean(b));
  });
}

/** An Application (`elb:app/…`) or Classic (`elb:NAME`) Load Balancer: nodes at addresses that change. */
function movingNodes(owner: string): boolean {
  return owner.startsWith('elb:app/') || (owner.startsWith('elb:') && !owner.includes('/'));
}
