import type { Direction } from '../flow-log/flow-record';
import { cidrBlockInEffect } from './cidr-association';
import { CidrTable } from './cidr-table';
import { describeInterfaceOwner, isNatGatewayOwner } from './interface-owner';
import { type IndexMap, OverlayMap } from './overlay-map';
import { type Cidr, type IpAddress, cidrContains, cidrIncludesInternet, isInternetAddress, parseCidr, parseIp } from '../ip/ip-address';
import { type CompiledNetworkAclEntry, compileNetworkAclEntries } from './network-acl-entries';
import { StaleReferences } from './stale-references';
import {
  type CompiledSecurityGroupRule,
  type GroupRuleSet,
  type StaleReferenceLookup,
  bucketRules,
  compilePermissions,
  groupHasPermissions,
  ruleToPermission,
} from './security-group-rules';
import type {
  ManagedPrefixList,
  NetworkAcl,
  NetworkInterface,
  NetworkSnapshot,
  NotReadMember,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  TransitGateway,
  TransitGatewayVpcAttachment,
  Vpc,
  VpcPeeringConnection,
} from './snapshot';

const NO_STRINGS: readonly string[] = Object.freeze([]);
/** `InterfaceType`s of interfaces that never carry security groups (a NAT gateway's is known by its owner too). */
const INTERFACE_TYPES_WITHOUT_GROUPS: ReadonlySet<string> = new Set([
  'nat_gateway',
  'natGateway',
  'transit_gateway',
  'gateway_load_balancer',
  'gateway_load_balancer_endpoint',
]);
const EMPTY_SET: ReadonlySet<string> = new Set<string>();
/**
 * Addresses `address` remembers. Each entry is about a hundred bytes; what repeats (the VPCs'
 * own hosts, busy peers) stays remembered at this size, and a dotted quad parses quickly.
 */
const ADDRESS_CACHE_LIMIT = 50_000;

/**
 * The network configuration of a snapshot, indexed for evaluation: interfaces by id and by
 * address (per VPC), subnets by id and by CIDR, security groups with their rules compiled and
 * bucketed by protocol, network ACLs per subnet with entries sorted, VPCs with their active
 * peerings, prefix-list CIDRs, and which groups each interface carries (and the reverse).
 * Built once per snapshot; read-only afterwards.
 */
export class NetworkModel {
  private readonly interfacesById = new Map<string, NetworkInterface>();
  private readonly addressesOfInterface = new Map<string, Set<string>>();
  private readonly vpcOfInterface = new Map<string, string>();
  private readonly reachableVpcCache = new Map<string, ReadonlySet<string>>();
  /** Private IPv4 and IPv6 addresses (not public/Elastic IPs) → interfaces, per VPC. */
  private readonly privateAddressIndex = new Map<string, Map<string, NetworkInterface[]>>();
  /** Delegated prefixes (`Ipv4Prefixes`/`Ipv6Prefixes`) → interfaces, per VPC. */
  private readonly prefixIndex = new Map<string, CidrTable<NetworkInterface>>();
  private readonly subnetsById = new Map<string, Subnet>();
  private readonly subnetCidrs = new Map<string, CidrTable<Subnet>>();
  private readonly subnetBlocks = new Map<string, Cidr[]>();
  private readonly groupsById: IndexMap<string, SecurityGroup> = new Map();
  private readonly groupsOfInterface = new Map<string, string[]>();
  private readonly interfacesOfGroup = new Map<string, string[]>();
  private readonly ruleSets: IndexMap<string, { ingress: GroupRuleSet; egress: GroupRuleSet; all: CompiledSecurityGroupRule[] }> =
    new Map();
  private readonly aclsById: IndexMap<string, NetworkAcl> = new Map();
  private readonly aclOfSubnet = new Map<string, string>();
  private readonly defaultAclOfVpc = new Map<string, string>();
  private readonly subnetsOfAcl = new Map<string, string[]>();
  private readonly aclEntries: IndexMap<string, { ingress: CompiledNetworkAclEntry[]; egress: CompiledNetworkAclEntry[] }> = new Map();
  private readonly vpcsById = new Map<string, Vpc>();
  private readonly vpcBlocks = new Map<string, Cidr[]>();
  private readonly peersOfVpc = new Map<string, Set<string>>();
  /** Active peerings within one region: the only ones across which a group reference works. */
  private readonly sameRegionPeersOfVpc = new Map<string, Set<string>>();
  private readonly prefixLists = new Map<string, Cidr[]>();
  private readonly managedPrefixListsById = new Map<string, ManagedPrefixList>();
  /** CIDR blocks of the VPCs at the far end of active peerings, as the peering describes them. */
  private readonly peeringBlocks = new Map<string, Cidr[]>();
  /** Every block of the VPCs the snapshot knows (theirs, their subnets', the peerings'), for `isInternetPeer`. */
  private readonly ownNetworkBlocks = new CidrTable<Cidr>();
  /** Accounts whose resources the snapshot lists (`OwnerId` of its interfaces and security groups). */
  private readonly accounts = new Set<string>();
  private readonly addressCache = new Map<string, IpAddress | null>();
  private readonly interfaceByPublicAddress = new Map<string, NetworkInterface>();
  private readonly interfacesOfInstance = new Map<string, NetworkInterface[]>();
  private readonly interfacesOfSubnet = new Map<string, string[]>();
  /** The NAT gateways' interfaces and their own addresses, found on the first question (`isNatGateway`, `isNatGatewayAddress`). */
  private natGatewayIndex: { ids: ReadonlySet<string>; addresses: ReadonlySet<string> } | null = null;
  /** Each interface's place in the snapshot's list, to list interfaces of several subnets in that order. */
  private readonly interfaceOrdinal = new Map<string, number>();
  private readonly routeTablesById = new Map<string, RouteTable>();
  private readonly routeTableOfSubnet = new Map<string, string>();
  private readonly mainRouteTableOfVpc = new Map<string, string>();
  private readonly peeringsById = new Map<string, VpcPeeringConnection>();
  private readonly transitGatewaysById = new Map<string, TransitGateway>();
  /** Transit gateways with a live VPC attachment (`available` or `modifying`) in each subnet. */
  private readonly transitGatewaysOfSubnet = new Map<string, string[]>();
  /** VPC attachments by `gateway|vpc`. */
  private readonly transitGatewayAttachments = new Map<string, TransitGatewayVpcAttachment[]>();
  /** Stale group references (`StaleSecurityGroupSet`, ended peerings), read before the groups are compiled. */
  private staleReferences = new StaleReferences({});
  private readonly staleLookup: StaleReferenceLookup = (groupId, direction, pair) => this.staleReferences.of(groupId, direction, pair);

  private constructor(readonly snapshot: NetworkSnapshot) {}

  /** Builds and indexes the model. The snapshot is expected to be validated (see `validateSnapshot`). */
  static fromSnapshot(snapshot: NetworkSnapshot): NetworkModel {
    const model = new NetworkModel(snapshot);
    model.staleReferences = new StaleReferences(snapshot);
    model.indexVpcs();
    model.indexSubnets();
    model.indexOwnNetwork();
    model.indexPrefixLists();
    model.indexInterfaces();
    model.indexSecurityGroups();
    model.indexNetworkAcls();
    model.indexRouteTables();
    model.indexTransitGateways();
    return model;
  }

  /**
   * The model of `changed`: this model's snapshot with only the rules of `groupIds` and the
   * entries of `aclIds` different (what `applyChanges` makes of a fix). Every index is shared
   * with this model but those controls' compiled rules, which are compiled from `changed`, so a
   * what-if costs the size of the changed controls, not the size of the estate.
   */
  withChangedControls(changed: NetworkSnapshot, groupIds: Iterable<string>, aclIds: Iterable<string>): NetworkModel {
    const model = new NetworkModel(changed);
    // Share every index (they are read-only once built) …
    Object.assign(model, this, { snapshot: changed });
    // … but read the changed controls' entries through overlays of the indexes that hold them.
    Object.assign(model, {
      groupsById: new OverlayMap(this.groupsById),
      ruleSets: new OverlayMap(this.ruleSets),
      aclsById: new OverlayMap(this.aclsById),
      aclEntries: new OverlayMap(this.aclEntries),
    });
    const groups = new Set(groupIds);
    if (groups.size) {
      for (const group of changed.SecurityGroups ?? []) if (groups.has(group.GroupId)) model.groupsById.set(group.GroupId, group);
      const rulesByGroup = new Map<string, SecurityGroupRule[]>();
      for (const rule of changed.SecurityGroupRules ?? []) {
        if (!rule.GroupId || !groups.has(rule.GroupId)) continue;
        const list = rulesByGroup.get(rule.GroupId);
        if (list) list.push(rule);
        else rulesByGroup.set(rule.GroupId, [rule]);
      }
      for (const groupId of groups) model.compileGroup(groupId, rulesByGroup.get(groupId) ?? []);
    }
    const acls = new Set(aclIds);
    for (const acl of changed.NetworkAcls ?? []) {
      if (!acls.has(acl.NetworkAclId)) continue;
      model.aclsById.set(acl.NetworkAclId, acl);
      model.compileAcl(acl);
    }
    return model;
  }

  /** Parses an address once and remembers it (flows repeat their peers). Null when not an IP. */
  address(text: string | null | undefined): IpAddress | null {
    if (!text) return null;
    const cached = this.addressCache.get(text);
    if (cached !== undefined) return cached;
    const read = parseIp(text);
    // IPv4 parses only from its one text form: the key is the text the cache holds anyway, not a second copy of it.
    const parsed: IpAddress | null = read?.family === 4 ? { family: 4, v4: read.v4, v6: 0n, key: text } : read;
    if (this.addressCache.size >= ADDRESS_CACHE_LIMIT) this.addressCache.clear();
    this.addressCache.set(text, parsed);
    return parsed;
  }

  // Interfaces -----------------------------------------------------------------------------

  interface(eniId: string): NetworkInterface | undefined {
    return this.interfacesById.get(eniId);
  }

  interfaces(): IterableIterator<NetworkInterface> {
    return this.interfacesById.values();
  }

  /** True when `address` is one of the interface's own addresses (private, IPv6, public, or in a delegated prefix). */
  isInterfaceAddress(eniId: string, address: IpAddress): boolean {
    if (this.addressesOfInterface.get(eniId)?.has(address.key)) return true;
    const eni = this.interfacesById.get(eniId);
    if (!eni || (!eni.Ipv4Prefixes?.length && !eni.Ipv6Prefixes?.length)) return false;
    return this.prefixesOf(eni).some((cidr) => cidrContains(cidr, address));
  }

  /**
   * Interfaces whose private IPv4/IPv6 address (or delegated prefix) is `address`, in the given
   * VPCs (every VPC when `vpcIds` is null). Public and Elastic IPs are not indexed here.
   */
  interfacesByPrivateAddress(address: IpAddress, vpcIds: ReadonlySet<string> | null = null): NetworkInterface[] {
    const found: NetworkInterface[] = [];
    const visit = (vpcId: string): void => {
      const exact = this.privateAddressIndex.get(vpcId)?.get(address.key);
      if (exact) found.push(...exact);
      const prefixes = this.prefixIndex.get(vpcId);
      if (prefixes) for (const eni of prefixes.allMatches(address)) if (!found.includes(eni)) found.push(eni);
    };
    if (vpcIds === null) for (const vpcId of this.privateAddressIndex.keys()) visit(vpcId);
    else for (const vpcId of vpcIds) visit(vpcId);
    return found;
  }

  /** The interface whose public (or Elastic) IP is `address`. */
  interfaceWithPublicAddress(address: IpAddress): NetworkInterface | undefined {
    return this.interfaceByPublicAddress.get(address.key);
  }

  /** Interfaces attached to the instance, in ascending device index. */
  interfacesOfInstanceId(instanceId: string): readonly NetworkInterface[] {
    return this.interfacesOfInstance.get(instanceId) ?? [];
  }

  /** Ids of the interfaces in the given subnets, in the snapshot's order. */
  interfacesInSubnets(subnetIds: Iterable<string>): string[] {
    const ids: string[] = [];
    for (const subnetId of new Set(subnetIds)) ids.push(...(this.interfacesOfSubnet.get(subnetId) ?? NO_STRINGS));
    return ids.sort((a, b) => this.interfaceOrdinal.get(a)! - this.interfaceOrdinal.get(b)!);
  }

  /** The interface's VPC (its own `VpcId`, else its subnet's), or null. */
  interfaceVpcId(eniId: string): string | null {
    return this.vpcOfInterface.get(eniId) ?? null;
  }

  /** What owns the interface (instance id, `elb:app/NAME`, `nat-…`, `lambda:NAME`, `vpce-…`, `rds` …), or null. */
  interfaceOwner(eniId: string): string | null {
    const eni = this.interfacesById.get(eniId);
    return eni ? describeInterfaceOwner(eni) : null;
  }

  // Subnets and VPCs -------------------------------------------------------------------------

  subnet(subnetId: string): Subnet | undefined {
    return this.subnetsById.get(subnetId);
  }

  /** The subnet of `vpcId` whose CIDR (IPv4 or IPv6) contains `address`. */
  subnetContaining(address: IpAddress, vpcId: string): Subnet | undefined {
    return this.subnetCidrs.get(vpcId)?.longestMatch(address)[0];
  }

  /** True when `address` lies in one of the subnet's CIDR blocks. */
  subnetContains(subnetId: string, address: IpAddress): boolean {
    return (this.subnetBlocks.get(subnetId) ?? []).some((cidr) => cidrContains(cidr, address));
  }

  /** The subnet's CIDR blocks (IPv4 and associated IPv6). */
  subnetCidrBlocks(subnetId: string): readonly Cidr[] {
    return this.subnetBlocks.get(subnetId) ?? [];
  }

  /** The VPC's associated CIDR blocks (primary, secondary, IPv6). */
  vpcCidrBlocks(vpcId: string): readonly Cidr[] {
    return this.vpcBlocks.get(vpcId) ?? [];
  }

  vpc(vpcId: string): Vpc | undefined {
    return this.vpcsById.get(vpcId);
  }

  /**
   * The VPC's primary IPv4 block (`CidrBlock`; without it, the first associated IPv4 block): where
   * the Amazon DNS server lives, at its base plus two. Base plus two of a secondary block is only
   * reserved (VPC User Guide, "Subnet CIDR blocks").
   */
  vpcPrimaryIpv4Block(vpcId: string): Cidr | undefined {
    return this.vpcBlocks.get(vpcId)?.find((cidr) => cidr.family === 4);
  }

  /** VPCs joined to `vpcId` by an `active` peering connection. */
  peeredVpcs(vpcId: string): ReadonlySet<string> {
    return this.peersOfVpc.get(vpcId) ?? EMPTY_SET;
  }

  /**
   * The VPC itself and every VPC actively peered with it in the same region: where a group
   * reference can match (EC2 does not resolve security-group references across an inter-region
   * peering; a peering whose regions the snapshot does not give counts as same-region).
   */
  reachableVpcs(vpcId: string): ReadonlySet<string> {
    let set = this.reachableVpcCache.get(vpcId);
    if (!set) {
      set = new Set([vpcId, ...(this.sameRegionPeersOfVpc.get(vpcId) ?? EMPTY_SET)]);
      this.reachableVpcCache.set(vpcId, set);
    }
    return set;
  }

  /** True when the snapshot describes the VPC (in `Vpcs`, or by one of its subnets). */
  vpcDescribed(vpcId: string): boolean {
    return this.vpcsById.has(vpcId) || this.subnetCidrs.has(vpcId);
  }

  /**
   * Whether `address` lies in the VPC at the far end of `peeringId` from `vpcId` (a block of that
   * VPC, one of its subnets', or one the peering gives for it): a peering connection delivers only
   * there, never onward (no transitive peering, no edge-to-edge routing). Null when the snapshot
   * cannot tell: the peering is not in it, does not name `vpcId`, or gives no block of the far VPC.
   */
  /** True when the snapshot describes the VPC peering connection `peeringId` (whatever its status). */
  describesPeering(peeringId: string): boolean {
    return this.peeringsById.has(peeringId);
  }

  peeringReaches(peeringId: string, vpcId: string, address: IpAddress): { farVpcId: string; reaches: boolean } | null {
    const peering = this.peeringsById.get(peeringId);
    const sides = [peering?.RequesterVpcInfo, peering?.AccepterVpcInfo];
    const near = sides.findIndex((side) => side?.VpcId === vpcId);
    const far = near < 0 ? undefined : sides[1 - near];
    if (!far?.VpcId) return null;
    const given = [
      far.CidrBlock,
      ...(far.CidrBlockSet ?? []).map((c) => c.CidrBlock),
      ...(far.Ipv6CidrBlockSet ?? []).map((c) => c.Ipv6CidrBlock),
    ]
      .map((t) => (t ? parseCidr(t) : null))
      .filter((c): c is Cidr => c !== null);
    if (given.some((cidr) => cidrContains(cidr, address)) || this.vpcContains(far.VpcId, address))
      return { farVpcId: far.VpcId, reaches: true };
    const known = given.length > 0 || (this.vpcBlocks.get(far.VpcId) ?? []).length > 0 || this.subnetCidrs.has(far.VpcId);
    return known ? { farVpcId: far.VpcId, reaches: false } : null;
  }

  /** True when `address` lies in a CIDR block an active peering connection gives for the VPC. */
  peeringBlocksContain(vpcId: string, address: IpAddress): boolean {
    return (this.peeringBlocks.get(vpcId) ?? []).some((cidr) => cidrContains(cidr, address));
  }

  /**
   * The account that owns the subnet (its `OwnerId`, else its VPC's) when that is none of the
   * accounts whose interfaces and groups the snapshot lists: a subnet shared with this account,
   * whose other accounts' interfaces the snapshot cannot show. Null otherwise, and when the
   * snapshot names no owners.
   */
  sharedSubnetOwner(subnetId: string): string | null {
    const subnet = this.subnetsById.get(subnetId);
    const owner = subnet?.OwnerId ?? (subnet?.VpcId ? this.vpcsById.get(subnet.VpcId)?.OwnerId : undefined);
    if (!owner || this.accounts.size === 0 || this.accounts.has(owner)) return null;
    return owner;
  }

  /**
   * True when `address` can be a peer on the internet: not private, loopback … space, and in no
   * block of a VPC the snapshot knows (a described VPC's, one of its subnets', or one an active
   * peering connection gives). A VPC's IPv6 block is Amazon's global space and a VPC may use a
   * publicly routable IPv4 block: their addresses are still the VPCs' own, never internet peers.
   */
  isInternetPeer(address: IpAddress): boolean {
    return isInternetAddress(address) && this.ownNetworkBlocks.longestMatch(address).length === 0;
  }

  /** True when some address of `cidr` is an internet peer (see `isInternetPeer`): not when one VPC block holds it all. */
  cidrIncludesInternetPeers(cidr: Cidr): boolean {
    if (!cidrIncludesInternet(cidr)) return false;
    const base = parseIp(cidr.text.slice(0, cidr.text.indexOf('/')));
    return base === null || !this.ownNetworkBlocks.allMatches(base).some((block) => block.prefix <= cidr.prefix);
  }

  /** True when `address` lies in one of the VPC's CIDR blocks (primary, secondary, IPv6), or a subnet of it. */
  vpcContains(vpcId: string, address: IpAddress): boolean {
    if ((this.vpcBlocks.get(vpcId) ?? []).some((cidr) => cidrContains(cidr, address))) return true;
    return this.subnetContaining(address, vpcId) !== undefined;
  }

  // Security groups --------------------------------------------------------------------------

  securityGroup(groupId: string): SecurityGroup | undefined {
    return this.groupsById.get(groupId);
  }

  /** True when the group is in the snapshot (in `SecurityGroups` or `SecurityGroupRules`). */
  hasSecurityGroup(groupId: string): boolean {
    return this.ruleSets.has(groupId);
  }

  /** Ids of the groups the interface carries, in the order EC2 lists them. */
  securityGroupsOf(eniId: string): readonly string[] {
    return this.groupsOfInterface.get(eniId) ?? NO_STRINGS;
  }

  /**
   * True when the snapshot does not say which groups the interface carries: its `Groups` member is
   * missing (DescribeNetworkInterfaces always prints it, `[]` for none) and it is an interface that
   * can carry groups — not a NAT gateway's, a transit gateway's or a Gateway Load Balancer's, which
   * never have any.
   */
  securityGroupsUnlisted(eniId: string): boolean {
    const eni = this.interface(eniId);
    if (!eni || eni.Groups !== undefined) return false;
    return !this.isNatGateway(eniId) && !INTERFACE_TYPES_WITHOUT_GROUPS.has(eni.InterfaceType ?? '');
  }

  /** Is the interface a NAT gateway's (`isNatGatewayOwner`)? Asked per flow: its owner is read from its description once. */
  isNatGateway(eniId: string): boolean {
    return this.natGateways().ids.has(eniId);
  }

  /**
   * Is `address` one of a NAT gateway interface's own addresses (private, IPv6 or public), in any
   * VPC? Asked per flow before any search of VPCs: one lookup in a set built on the first question.
   */
  isNatGatewayAddress(address: IpAddress): boolean {
    return this.natGateways().addresses.has(address.key);
  }

  private natGateways(): { ids: ReadonlySet<string>; addresses: ReadonlySet<string> } {
    if (this.natGatewayIndex === null) {
      const ids = new Set<string>();
      const addresses = new Set<string>();
      for (const [id, eni] of this.interfacesById) {
        if (!isNatGatewayOwner(describeInterfaceOwner(eni))) continue;
        ids.add(id);
        for (const key of this.addressesOfInterface.get(id) ?? NO_STRINGS) addresses.add(key);
      }
      this.natGatewayIndex = { ids, addresses };
    }
    return this.natGatewayIndex;
  }

  /** Ids of the interfaces that carry the group. */
  interfacesWithGroup(groupId: string): readonly string[] {
    return this.interfacesOfGroup.get(groupId) ?? NO_STRINGS;
  }

  /** The group's compiled rules of one direction, bucketed by protocol; undefined when the group is unknown. */
  groupRules(groupId: string, direction: Direction): GroupRuleSet | undefined {
    return this.ruleSets.get(groupId)?.[direction];
  }

  /** Every compiled rule of the group, both directions. */
  allGroupRules(groupId: string): readonly CompiledSecurityGroupRule[] {
    return this.ruleSets.get(groupId)?.all ?? [];
  }

  /**
   * True when EC2 lists a rule of `groupId` in `direction` that references `referencedGroupId` as
   * stale (`StaleSecurityGroupSet`): a new reference to that group from this one would be too.
   */
  staleReferenceReported(groupId: string, direction: Direction, referencedGroupId: string): boolean {
    return this.staleReferences.reportedStale(groupId, direction, referencedGroupId);
  }

  /** Every group id known to the model. */
  securityGroupIds(): IterableIterator<string> {
    return this.ruleSets.keys();
  }

  // Network ACLs -----------------------------------------------------------------------------

  networkAcl(aclId: string): NetworkAcl | undefined {
    return this.aclsById.get(aclId);
  }

  /** The subnet's network ACL: its explicit association, else its VPC's default ACL. */
  networkAclIdForSubnet(subnetId: string): string | undefined {
    const explicit = this.aclOfSubnet.get(subnetId);
    if (explicit) return explicit;
    const vpcId = this.subnetsById.get(subnetId)?.VpcId;
    return vpcId ? this.defaultAclOfVpc.get(vpcId) : undefined;
  }

  /** Subnets that use the ACL (explicitly, or implicitly when it is its VPC's default). */
  subnetsOfNetworkAcl(aclId: string): readonly string[] {
    return this.subnetsOfAcl.get(aclId) ?? NO_STRINGS;
  }

  /** The ACL's entries of one direction in evaluation order; undefined when the ACL is unknown. */
  networkAclEntries(aclId: string, direction: Direction): readonly CompiledNetworkAclEntry[] | undefined {
    return this.aclEntries.get(aclId)?.[direction];
  }

  // Route tables -----------------------------------------------------------------------------

  /** True when the snapshot carries `RouteTables` (even an empty list): routes can be evaluated. */
  hasRouteTables(): boolean {
    return this.snapshot.RouteTables !== undefined;
  }

  /**
   * Why `member` (`RouteTables`, `TransitGateways` …) of `accountId` is not in the snapshot, when a
   * live read was refused it (`NotRead`); an entry without an account, or no account asked for,
   * counts for every account.
   */
  notRead(member: string, accountId: string | undefined): NotReadMember | undefined {
    return (this.snapshot.NotRead ?? []).find(
      (entry) => entry.Member === member && (!entry.AccountId || !accountId || entry.AccountId === accountId),
    );
  }

  routeTable(routeTableId: string): RouteTable | undefined {
    return this.routeTablesById.get(routeTableId);
  }

  /** The subnet's route table: its explicit association, else its VPC's main route table. */
  routeTableIdForSubnet(subnetId: string): string | undefined {
    const explicit = this.routeTableOfSubnet.get(subnetId);
    if (explicit) return explicit;
    const vpcId = this.subnetsById.get(subnetId)?.VpcId;
    return vpcId ? this.mainRouteTableOfVpc.get(vpcId) : undefined;
  }

  // Transit gateways -------------------------------------------------------------------------

  /** The transit gateway as DescribeTransitGateways lists it; undefined when the snapshot does not. */
  transitGateway(gatewayId: string): TransitGateway | undefined {
    return this.transitGatewaysById.get(gatewayId);
  }

  /** The attachments of `vpcId` to `gatewayId` the snapshot lists, whatever their state. */
  transitGatewayVpcAttachments(gatewayId: string, vpcId: string): readonly TransitGatewayVpcAttachment[] {
    return this.transitGatewayAttachments.get(`${gatewayId}|${vpcId}`) ?? [];
  }

  /**
   * The transit gateways whose VPC attachment has its interface in the subnet (its `SubnetIds`),
   * among the attachments that carry traffic (`available`, `modifying`, or no state given).
   */
  transitGatewaysAttachedIn(subnetId: string): readonly string[] {
    return this.transitGatewaysOfSubnet.get(subnetId) ?? NO_STRINGS;
  }

  /**
   * True when the snapshot would list an attachment of `vpcId` to `gatewayId` if there were one:
   * it carries `TransitGatewayVpcAttachments`, read in the account that owns the VPC (an account
   * lists its VPCs' attachments) or in the one that owns the gateway (it lists every attachment to
   * it), and not refused there (`NotRead`). A VPC the snapshot describes without an owner, or a
   * snapshot that names no owners at all, counts as read. Otherwise a missing attachment may be
   * another account's that the snapshot cannot show.
   */
  transitGatewayAttachmentsListed(gatewayId: string, vpcId: string): boolean {
    if (this.snapshot.TransitGatewayVpcAttachments === undefined) return false;
    const readIn = (owner: string | undefined): boolean =>
      (owner === undefined || this.accounts.size === 0 || this.accounts.has(owner)) &&
      this.notRead('TransitGatewayVpcAttachments', owner) === undefined;
    if (this.vpcDescribed(vpcId) && readIn(this.vpcsById.get(vpcId)?.OwnerId)) return true;
    const gatewayOwner = this.transitGatewaysById.get(gatewayId)?.OwnerId;
    return gatewayOwner !== undefined && readIn(gatewayOwner);
  }

  // Prefix lists -----------------------------------------------------------------------------

  /** The managed prefix list as DescribeManagedPrefixLists gives it (the first of an id); undefined when the snapshot does not. */
  managedPrefixList(prefixListId: string): ManagedPrefixList | undefined {
    return this.managedPrefixListsById.get(prefixListId);
  }

  /** CIDRs of a managed prefix list from `PrefixListEntries`; undefined when the snapshot lacks its entries. */
  prefixListCidrs(prefixListId: string): readonly Cidr[] | undefined {
    return this.prefixLists.get(prefixListId);
  }

  // Indexing ---------------------------------------------------------------------------------

  private indexVpcs(): void {
    for (const vpc of this.snapshot.Vpcs ?? []) {
      this.vpcsById.set(vpc.VpcId, vpc);
      const texts = [
        vpc.CidrBlock,
        ...(vpc.CidrBlockAssociationSet ?? []).filter((a) => cidrBlockInEffect(a.CidrBlockState)).map((a) => a.CidrBlock),
        ...(vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => cidrBlockInEffect(a.Ipv6CidrBlockState)).map((a) => a.Ipv6CidrBlock),
      ];
      this.vpcBlocks.set(
        vpc.VpcId,
        texts.map((t) => (t ? parseCidr(t) : null)).filter((c): c is Cidr => c !== null),
      );
    }
    for (const peering of this.snapshot.VpcPeeringConnections ?? []) {
      this.peeringsById.set(peering.VpcPeeringConnectionId, peering);
      if (peering.Status?.Code !== 'active') continue;
      const a = peering.RequesterVpcInfo?.VpcId;
      const b = peering.AccepterVpcInfo?.VpcId;
      if (!a || !b) continue;
      this.addPeeringBlocks(a, peering.RequesterVpcInfo);
      this.addPeeringBlocks(b, peering.AccepterVpcInfo);
      const regionA = peering.RequesterVpcInfo?.Region;
      const regionB = peering.AccepterVpcInfo?.Region;
      const sameRegion = !regionA || !regionB || regionA === regionB;
      this.addPeer(this.peersOfVpc, a, b);
      this.addPeer(this.peersOfVpc, b, a);
      if (sameRegion) {
        this.addPeer(this.sameRegionPeersOfVpc, a, b);
        this.addPeer(this.sameRegionPeersOfVpc, b, a);
      }
    }
  }

  private addPeeringBlocks(vpcId: string, info: NonNullable<VpcPeeringConnection['AccepterVpcInfo']> | undefined): void {
    const texts = [
      info?.CidrBlock,
      ...(info?.CidrBlockSet ?? []).map((c) => c.CidrBlock),
      ...(info?.Ipv6CidrBlockSet ?? []).map((c) => c.Ipv6CidrBlock),
    ];
    const blocks = texts.map((t) => (t ? parseCidr(t) : null)).filter((c): c is Cidr => c !== null);
    if (blocks.length) this.peeringBlocks.set(vpcId, [...(this.peeringBlocks.get(vpcId) ?? []), ...blocks]);
  }

  private addPeer(index: Map<string, Set<string>>, from: string, to: string): void {
    let peers = index.get(from);
    if (!peers) index.set(from, (peers = new Set()));
    peers.add(to);
  }

  private indexSubnets(): void {
    for (const subnet of this.snapshot.Subnets ?? []) {
      this.subnetsById.set(subnet.SubnetId, subnet);
      const blocks = [
        subnet.CidrBlock,
        ...(subnet.Ipv6CidrBlockAssociationSet ?? []).filter((a) => cidrBlockInEffect(a.Ipv6CidrBlockState)).map((a) => a.Ipv6CidrBlock),
      ]
        .map((t) => (t ? parseCidr(t) : null))
        .filter((c): c is Cidr => c !== null);
      this.subnetBlocks.set(subnet.SubnetId, blocks);
      const vpcId = subnet.VpcId ?? '';
      let table = this.subnetCidrs.get(vpcId);
      if (!table) this.subnetCidrs.set(vpcId, (table = new CidrTable()));
      for (const cidr of blocks) table.add(cidr, subnet);
    }
  }

  private indexOwnNetwork(): void {
    for (const blocks of [...this.vpcBlocks.values(), ...this.peeringBlocks.values(), ...this.subnetBlocks.values()])
      for (const cidr of blocks) this.ownNetworkBlocks.add(cidr, cidr);
  }

  private indexPrefixLists(): void {
    for (const list of this.snapshot.ManagedPrefixLists ?? []) {
      if (!this.managedPrefixListsById.has(list.PrefixListId)) this.managedPrefixListsById.set(list.PrefixListId, list);
    }
    for (const [id, entries] of Object.entries(this.snapshot.PrefixListEntries ?? {})) {
      this.prefixLists.set(
        id,
        (entries ?? []).map((e) => (e.Cidr ? parseCidr(e.Cidr) : null)).filter((c): c is Cidr => c !== null),
      );
    }
  }

  private prefixesOf(eni: NetworkInterface): Cidr[] {
    return [...(eni.Ipv4Prefixes ?? []).map((p) => p.Ipv4Prefix), ...(eni.Ipv6Prefixes ?? []).map((p) => p.Ipv6Prefix)]
      .map((t) => (t ? parseCidr(t) : null))
      .filter((c): c is Cidr => c !== null);
  }

  private indexInterfaces(): void {
    for (const eni of this.snapshot.NetworkInterfaces ?? []) {
      if (this.interfacesById.has(eni.NetworkInterfaceId)) continue;
      this.interfacesById.set(eni.NetworkInterfaceId, eni);
      this.interfaceOrdinal.set(eni.NetworkInterfaceId, this.interfaceOrdinal.size);
      if (eni.SubnetId) {
        const inSubnet = this.interfacesOfSubnet.get(eni.SubnetId);
        if (inSubnet) inSubnet.push(eni.NetworkInterfaceId);
        else this.interfacesOfSubnet.set(eni.SubnetId, [eni.NetworkInterfaceId]);
      }
      if (eni.OwnerId) this.accounts.add(eni.OwnerId);
      const vpcId = eni.VpcId ?? this.subnetsById.get(eni.SubnetId ?? '')?.VpcId ?? '';
      if (vpcId) this.vpcOfInterface.set(eni.NetworkInterfaceId, vpcId);
      const privateKeys = new Set<string>();
      const publicKeys = new Set<string>();
      const add = (set: Set<string>, text: string | undefined): void => {
        const parsed = text ? parseIp(text) : null;
        if (parsed) set.add(parsed.key);
      };
      add(privateKeys, eni.PrivateIpAddress);
      for (const entry of eni.PrivateIpAddresses ?? []) {
        add(privateKeys, entry.PrivateIpAddress);
        add(publicKeys, entry.Association?.PublicIp);
      }
      for (const entry of eni.Ipv6Addresses ?? []) add(privateKeys, entry.Ipv6Address);
      add(publicKeys, eni.Association?.PublicIp);
      this.addressesOfInterface.set(eni.NetworkInterfaceId, new Set([...privateKeys, ...publicKeys]));
      for (const key of publicKeys) if (!this.interfaceByPublicAddress.has(key)) this.interfaceByPublicAddress.set(key, eni);
      const instanceId = eni.Attachment?.InstanceId;
      if (instanceId) {
        const attached = this.interfacesOfInstance.get(instanceId) ?? [];
        attached.push(eni);
        attached.sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0));
        this.interfacesOfInstance.set(instanceId, attached);
      }
      let byAddress = this.privateAddressIndex.get(vpcId);
      if (!byAddress) this.privateAddressIndex.set(vpcId, (byAddress = new Map()));
      for (const key of privateKeys) {
        const list = byAddress.get(key);
        if (list) list.push(eni);
        else byAddress.set(key, [eni]);
      }
      const prefixes = this.prefixesOf(eni);
      if (prefixes.length) {
        let table = this.prefixIndex.get(vpcId);
        if (!table) this.prefixIndex.set(vpcId, (table = new CidrTable()));
        for (const cidr of prefixes) table.add(cidr, eni);
      }
      const groupIds = [...new Set((eni.Groups ?? []).map((g) => g.GroupId).filter((id): id is string => Boolean(id)))];
      this.groupsOfInterface.set(eni.NetworkInterfaceId, groupIds);
      for (const groupId of groupIds) {
        const list = this.interfacesOfGroup.get(groupId);
        if (list) list.push(eni.NetworkInterfaceId);
        else this.interfacesOfGroup.set(groupId, [eni.NetworkInterfaceId]);
      }
    }
  }

  private indexSecurityGroups(): void {
    const rulesByGroup = new Map<string, SecurityGroupRule[]>();
    for (const rule of this.snapshot.SecurityGroupRules ?? []) {
      if (!rule.GroupId) continue;
      const list = rulesByGroup.get(rule.GroupId);
      if (list) list.push(rule);
      else rulesByGroup.set(rule.GroupId, [rule]);
    }
    for (const group of this.snapshot.SecurityGroups ?? []) {
      this.groupsById.set(group.GroupId, group);
      if (group.OwnerId) this.accounts.add(group.OwnerId);
    }
    const ids = new Set([...this.groupsById.keys(), ...rulesByGroup.keys()]);
    for (const groupId of ids) this.compileGroup(groupId, rulesByGroup.get(groupId) ?? []);
  }

  /** Compiles one group's rules: its permission lists, else its DescribeSecurityGroupRules entries (`rules`). */
  private compileGroup(groupId: string, rules: readonly SecurityGroupRule[]): void {
    const group = this.groupsById.get(groupId);
    let compiled: CompiledSecurityGroupRule[];
    if (group && groupHasPermissions(group)) {
      compiled = [
        ...compilePermissions(groupId, 'ingress', group.IpPermissions ?? [], this.staleLookup),
        ...compilePermissions(groupId, 'egress', group.IpPermissionsEgress ?? [], this.staleLookup),
      ];
    } else {
      // Only DescribeSecurityGroupRules output for this group: keep each rule's id.
      compiled = rules.flatMap((rule) =>
        compilePermissions(groupId, rule.IsEgress ? 'egress' : 'ingress', [ruleToPermission(rule)], this.staleLookup).map((c) => ({
          ...c,
          ruleId: rule.SecurityGroupRuleId ?? null,
        })),
      );
    }
    this.ruleSets.set(groupId, {
      ingress: bucketRules(compiled.filter((r) => r.direction === 'ingress')),
      egress: bucketRules(compiled.filter((r) => r.direction === 'egress')),
      all: compiled,
    });
  }

  private compileAcl(acl: NetworkAcl): void {
    this.aclEntries.set(acl.NetworkAclId, {
      ingress: compileNetworkAclEntries(acl.Entries ?? [], false),
      egress: compileNetworkAclEntries(acl.Entries ?? [], true),
    });
  }

  private indexRouteTables(): void {
    for (const table of this.snapshot.RouteTables ?? []) {
      this.routeTablesById.set(table.RouteTableId, table);
      for (const association of table.Associations ?? []) {
        // Only an `associated` association routes (one `associating` has not taken yet, one
        // `disassociating` or `disassociated` no longer holds, one `failed` never did); without a
        // state (a snapshot written by hand) it counts as associated.
        if (association.AssociationState?.State !== undefined && association.AssociationState.State !== 'associated') continue;
        if (association.SubnetId) this.routeTableOfSubnet.set(association.SubnetId, table.RouteTableId);
        if (association.Main && table.VpcId) this.mainRouteTableOfVpc.set(table.VpcId, table.RouteTableId);
      }
    }
  }

  private indexTransitGateways(): void {
    for (const gateway of this.snapshot.TransitGateways ?? []) this.transitGatewaysById.set(gateway.TransitGatewayId, gateway);
    for (const attachment of this.snapshot.TransitGatewayVpcAttachments ?? []) {
      if (!attachment.TransitGatewayId || !attachment.VpcId) continue;
      const key = `${attachment.TransitGatewayId}|${attachment.VpcId}`;
      const list = this.transitGatewayAttachments.get(key);
      if (list) list.push(attachment);
      else this.transitGatewayAttachments.set(key, [attachment]);
      const state = attachment.State ?? 'available';
      if (state !== 'available' && state !== 'modifying') continue;
      for (const subnetId of attachment.SubnetIds ?? []) {
        const gateways = this.transitGatewaysOfSubnet.get(subnetId);
        if (!gateways) this.transitGatewaysOfSubnet.set(subnetId, [attachment.TransitGatewayId]);
        else if (!gateways.includes(attachment.TransitGatewayId)) gateways.push(attachment.TransitGatewayId);
      }
    }
  }

  private indexNetworkAcls(): void {
    for (const acl of this.snapshot.NetworkAcls ?? []) {
      this.aclsById.set(acl.NetworkAclId, acl);
      this.compileAcl(acl);
      if (acl.IsDefault && acl.VpcId) this.defaultAclOfVpc.set(acl.VpcId, acl.NetworkAclId);
      for (const association of acl.Associations ?? []) {
        if (association.SubnetId) this.aclOfSubnet.set(association.SubnetId, acl.NetworkAclId);
      }
    }
    for (const subnetId of this.subnetsById.keys()) {
      const aclId = this.networkAclIdForSubnet(subnetId);
      if (!aclId) continue;
      const list = this.subnetsOfAcl.get(aclId);
      if (list) list.push(subnetId);
      else this.subnetsOfAcl.set(aclId, [subnetId]);
    }
    // Associations to subnets missing from the snapshot still name the ACL's subnets.
    for (const [subnetId, aclId] of this.aclOfSubnet) {
      const list = this.subnetsOfAcl.get(aclId) ?? [];
      if (!list.includes(subnetId)) this.subnetsOfAcl.set(aclId, [...list, subnetId]);
    }
  }
}

export { isInternetAddress, isPrivateAddress } from '../ip/ip-address';
