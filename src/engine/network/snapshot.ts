/**
 * The network snapshot contract: the EC2 API result members with the API's own PascalCase shapes,
 * as `aws ec2 describe-… --output json` prints them. Only the members the engine reads are typed;
 * every other member of an API object is kept as it came.
 */
export interface NetworkSnapshot {
  SecurityGroups?: SecurityGroup[];
  SecurityGroupRules?: SecurityGroupRule[];
  NetworkAcls?: NetworkAcl[];
  NetworkInterfaces?: NetworkInterface[];
  Subnets?: Subnet[];
  Vpcs?: Vpc[];
  ManagedPrefixLists?: ManagedPrefixList[];
  VpcPeeringConnections?: VpcPeeringConnection[];
  FlowLogs?: FlowLog[];
  /** DescribeRouteTables: when present, path analysis evaluates the route hop. */
  RouteTables?: RouteTable[];
  /**
   * DescribeTransitGateways and DescribeTransitGatewayVpcAttachments: with both, a group reference
   * of an inbound rule to a VPC reached through a transit gateway is decided rather than unknown.
   */
  TransitGateways?: TransitGateway[];
  TransitGatewayVpcAttachments?: TransitGatewayVpcAttachment[];
  /**
   * DescribeStaleSecurityGroups (one call per VPC): the groups with rules EC2 itself reports stale —
   * a reference to a group that was deleted, or reached through a peering connection or transit
   * gateway that is gone. Such a rule allows nothing; a group the list leaves out is not thereby
   * known to be free of stale rules (the list may cover only some VPCs).
   */
  StaleSecurityGroupSet?: StaleSecurityGroup[];
  /** Entries of each managed prefix list, by prefix-list id. */
  PrefixListEntries?: Record<string, PrefixListEntry[]>;
  /**
   * Service Quotas quotas (GetServiceQuota, ListServiceQuotas). The rules a security group may hold
   * (`vpc` `L-0EA8095F`) and a network ACL may hold (`vpc` `L-2AEEBF1A`) are adjustable per account
   * and Region: held to EC2's default instead, a group or NACL of an account that raised it would
   * be called full when EC2 takes the rule.
   */
  ServiceQuotas?: ServiceQuota[];
  /**
   * sgdoctor's own member, not an EC2 one: the members a live read left out because AWS refused
   * the call (a read role granted before sgdoctor asked for that action), so that what relies on
   * them says why it could not check rather than only that the member is missing.
   */
  NotRead?: NotReadMember[];
}

/** A snapshot member a live read left out, and the refusal that made it. */
export interface NotReadMember {
  /** The snapshot member (`RouteTables`, `TransitGateways`, `TransitGatewayVpcAttachments`, `StaleSecurityGroupSet`, `ServiceQuotas`). */
  Member: string;
  /** The call refused, as IAM names it (`ec2:DescribeRouteTables`, `servicequotas:GetServiceQuota`). */
  Action: string;
  /**
   * For `ServiceQuotas`, the quota not read (`L-0EA8095F`, `L-2AEEBF1A`): each is read on its own,
   * so one may be missing while the other is used. Absent in snapshots taken before it was named.
   */
  QuotaCode?: string;
  AccountId?: string;
  Region?: string;
  /** The AWS error code (`UnauthorizedOperation`, `AccessDeniedException`). */
  ErrorCode?: string;
}

/** A quota as Service Quotas describes it (`aws service-quotas get-service-quota` prints one as `Quota`). */
export interface ServiceQuota {
  /** `vpc` for the security-group quotas. */
  ServiceCode: string;
  ServiceName?: string;
  /** `arn:aws:servicequotas:REGION:ACCOUNT:vpc/L-0EA8095F`: the account and Region the value is theirs. */
  QuotaArn?: string;
  /** `L-0EA8095F`: inbound or outbound rules per security group. */
  QuotaCode: string;
  QuotaName?: string;
  /** The quota applied to the account (its default when never raised). */
  Value?: number;
  Unit?: string;
  Adjustable?: boolean;
  GlobalQuota?: boolean;
}

export interface Tag {
  Key?: string;
  Value?: string;
}

export interface IpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string; Description?: string }[];
  PrefixListIds?: { PrefixListId?: string; Description?: string }[];
  UserIdGroupPairs?: UserIdGroupPair[];
}

export interface UserIdGroupPair {
  GroupId?: string;
  GroupName?: string;
  UserId?: string;
  VpcId?: string;
  VpcPeeringConnectionId?: string;
  PeeringStatus?: string;
  Description?: string;
}

export interface SecurityGroup {
  GroupId: string;
  GroupName?: string;
  Description?: string;
  VpcId?: string;
  OwnerId?: string;
  IpPermissions?: IpPermission[];
  IpPermissionsEgress?: IpPermission[];
  Tags?: Tag[];
}

/** A stale rule as DescribeStaleSecurityGroups gives it: only group references can be stale. */
export interface StaleIpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  /** The referenced groups, with the peering connection and its status where one was crossed. */
  UserIdGroupPairs?: UserIdGroupPair[];
  /** Listed by the API but never used for stale rules (plain strings, unlike IpPermission's). */
  IpRanges?: string[];
  PrefixListIds?: string[];
}

/** A group with stale rules (DescribeStaleSecurityGroups `StaleSecurityGroupSet`). */
export interface StaleSecurityGroup {
  GroupId: string;
  GroupName?: string;
  Description?: string;
  VpcId?: string;
  /** Stale inbound rules. */
  StaleIpPermissions?: StaleIpPermission[];
  /** Stale outbound rules. */
  StaleIpPermissionsEgress?: StaleIpPermission[];
}

export interface SecurityGroupRule {
  SecurityGroupRuleId?: string;
  GroupId?: string;
  GroupOwnerId?: string;
  IsEgress?: boolean;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  ReferencedGroupInfo?: { GroupId?: string; UserId?: string; VpcId?: string; VpcPeeringConnectionId?: string };
  Description?: string;
}

export interface NetworkAclEntry {
  RuleNumber: number;
  Protocol: string;
  RuleAction: 'allow' | 'deny';
  Egress: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  IcmpTypeCode?: { Code?: number; Type?: number };
  PortRange?: { From?: number; To?: number };
}

export interface NetworkAcl {
  NetworkAclId: string;
  VpcId?: string;
  IsDefault?: boolean;
  OwnerId?: string;
  Associations?: { NetworkAclAssociationId?: string; NetworkAclId?: string; SubnetId?: string }[];
  Entries?: NetworkAclEntry[];
  Tags?: Tag[];
}

export interface NetworkInterface {
  NetworkInterfaceId: string;
  SubnetId?: string;
  VpcId?: string;
  OwnerId?: string;
  Description?: string;
  InterfaceType?: string;
  RequesterId?: string;
  RequesterManaged?: boolean;
  Status?: string;
  PrivateIpAddress?: string;
  PrivateIpAddresses?: { PrivateIpAddress?: string; Primary?: boolean; Association?: { PublicIp?: string } }[];
  Ipv6Addresses?: { Ipv6Address?: string }[];
  Ipv4Prefixes?: { Ipv4Prefix?: string }[];
  Ipv6Prefixes?: { Ipv6Prefix?: string }[];
  Association?: { PublicIp?: string; AllocationId?: string };
  Attachment?: { InstanceId?: string; InstanceOwnerId?: string; AttachmentId?: string; DeviceIndex?: number };
  Groups?: { GroupId?: string; GroupName?: string }[];
  TagSet?: Tag[];
}

export interface Subnet {
  SubnetId: string;
  VpcId?: string;
  CidrBlock?: string;
  Ipv6CidrBlockAssociationSet?: { Ipv6CidrBlock?: string; Ipv6CidrBlockState?: { State?: string } }[];
  AvailabilityZone?: string;
  AvailabilityZoneId?: string;
  OwnerId?: string;
  MapPublicIpOnLaunch?: boolean;
  Tags?: Tag[];
}

export interface Vpc {
  VpcId: string;
  CidrBlock?: string;
  CidrBlockAssociationSet?: { CidrBlock?: string; CidrBlockState?: { State?: string } }[];
  Ipv6CidrBlockAssociationSet?: { Ipv6CidrBlock?: string; Ipv6CidrBlockState?: { State?: string } }[];
  OwnerId?: string;
  IsDefault?: boolean;
  Tags?: Tag[];
}

export interface ManagedPrefixList {
  PrefixListId: string;
  PrefixListName?: string;
  AddressFamily?: string;
  MaxEntries?: number;
  OwnerId?: string;
  Version?: number;
}

export interface PrefixListEntry {
  Cidr?: string;
  Description?: string;
}

/** One side of a peering connection, as DescribeVpcPeeringConnections gives it. */
export interface VpcPeeringConnectionVpcInfo {
  VpcId?: string;
  OwnerId?: string;
  Region?: string;
  CidrBlock?: string;
  CidrBlockSet?: { CidrBlock?: string }[];
  Ipv6CidrBlockSet?: { Ipv6CidrBlock?: string }[];
}

export interface VpcPeeringConnection {
  VpcPeeringConnectionId: string;
  Status?: { Code?: string; Message?: string };
  AccepterVpcInfo?: VpcPeeringConnectionVpcInfo;
  RequesterVpcInfo?: VpcPeeringConnectionVpcInfo;
}

export interface FlowLog {
  FlowLogId?: string;
  ResourceId?: string;
  TrafficType?: 'ACCEPT' | 'REJECT' | 'ALL';
  LogDestinationType?: string;
  LogDestination?: string;
  LogGroupName?: string;
  LogFormat?: string;
  FlowLogStatus?: string;
  /** `SUCCESS`, or `FAILED` when the records cannot be delivered (see `DeliverLogsErrorMessage`). */
  DeliverLogsStatus?: string;
  /** Why delivery fails: `Access error` (the role cannot publish), `Rate limited`, `Unknown error`. */
  DeliverLogsErrorMessage?: string;
  MaxAggregationInterval?: number;
}

export interface Route {
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
  DestinationPrefixListId?: string;
  /** `local`, an internet gateway `igw-…`, a virtual private gateway `vgw-…`, a gateway endpoint `vpce-…`. */
  GatewayId?: string;
  NatGatewayId?: string;
  TransitGatewayId?: string;
  VpcPeeringConnectionId?: string;
  EgressOnlyInternetGatewayId?: string;
  NetworkInterfaceId?: string;
  InstanceId?: string;
  CarrierGatewayId?: string;
  LocalGatewayId?: string;
  CoreNetworkArn?: string;
  OdbNetworkArn?: string;
  /** `active` or `blackhole` (the target is gone). */
  State?: string;
  Origin?: string;
}

/**
 * A subnet's explicit association (`SubnetId`), the VPC's main one (`Main`, no subnet: every subnet
 * without an explicit association uses that table), or a gateway's edge association (`GatewayId`).
 */
export interface RouteTableAssociation {
  RouteTableAssociationId?: string;
  RouteTableId?: string;
  SubnetId?: string;
  GatewayId?: string;
  Main?: boolean;
  /** `associated`, `associating`, `disassociating`, `disassociated` or `failed`: only `associated` is in effect. */
  AssociationState?: { State?: string; StatusMessage?: string };
}

export interface RouteTable {
  RouteTableId: string;
  VpcId?: string;
  OwnerId?: string;
  Associations?: RouteTableAssociation[];
  Routes?: Route[];
  Tags?: Tag[];
}

/** `enable` or `disable`, as the transit gateway options print it. */
export type TransitGatewayOptionValue = 'enable' | 'disable';

export interface TransitGateway {
  TransitGatewayId: string;
  TransitGatewayArn?: string;
  /** `available`, `pending`, `modifying`, `deleting` or `deleted`. */
  State?: string;
  OwnerId?: string;
  Description?: string;
  Options?: {
    /** Security group references across the VPCs attached to the gateway (off when the gateway is created). */
    SecurityGroupReferencingSupport?: TransitGatewayOptionValue;
  };
  Tags?: Tag[];
}

export interface TransitGatewayVpcAttachment {
  TransitGatewayAttachmentId: string;
  TransitGatewayId?: string;
  VpcId?: string;
  VpcOwnerId?: string;
  /** `available`, `pending`, `pendingAcceptance`, `modifying`, `deleting`, `deleted`, `failed`, `rejected` … */
  State?: string;
  /** The subnets (one per Availability Zone) where the gateway has its interfaces in the VPC. */
  SubnetIds?: string[];
  Options?: {
    /** Security group references through the gateway for this VPC (on when the attachment is created). */
    SecurityGroupReferencingSupport?: TransitGatewayOptionValue;
    /** Appliance mode: the gateway picks one Availability Zone per flow instead of the one it comes from (off by default). */
    ApplianceModeSupport?: TransitGatewayOptionValue;
  };
  Tags?: Tag[];
}
