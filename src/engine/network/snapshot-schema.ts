import { z } from 'zod';
import { parseCidr, parseIp } from '../ip/ip-address';
import { ruleProtocolNumber } from './protocol';
import { isRulesPerGroupQuota } from './rules-per-group-quota';
import { isRulesPerNetworkAclQuota } from './rules-per-network-acl-quota';

/*
 * zod schemas of the snapshot contract: the members the engine reads are checked, every other
 * member is kept as it came (loose objects), as `aws ec2 describe-… --output json` prints them.
 */

/**
 * The same object without those of `members` that are `null`, or the value itself when it has
 * none (or is no object: the schema then refuses it as it is).
 */
function withoutNullMembers(value: unknown, members: readonly string[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (!members.some((member) => record[member] === null)) return value;
  const copy = { ...record };
  for (const member of members) if (copy[member] === null) delete copy[member];
  return copy;
}

/**
 * An EC2 shape as a loose object whose optional members may also be `null`, read as absent (the
 * member is left out of the result): what exports built on boto3 or Terraform print where the AWS
 * CLI prints nothing (`"PortRange": null`, `"Tags": null`). A required member given as `null` is
 * refused as before; members the shape does not name are kept as they came, `null` included.
 */
function ec2Object<Shape extends Record<string, z.ZodType>>(shape: Shape) {
  const optional = Object.keys(shape).filter((member) => shape[member]!.safeParse(undefined).success);
  return z.preprocess((value) => withoutNullMembers(value, optional), z.looseObject(shape));
}

const cidr = (family: 4 | 6) =>
  z.string().refine((text) => parseCidr(text)?.family === family, { message: `expected an IPv${family} CIDR block` });
const ip = z.string().refine((text) => parseIp(text) !== null, { message: 'expected an IP address' });
const ipv4 = z.string().refine((text) => parseIp(text)?.family === 4, { message: 'expected an IPv4 address' });
const ipv6 = z.string().refine((text) => parseIp(text)?.family === 6, { message: 'expected an IPv6 address' });
const anyCidr = z.string().refine((text) => parseCidr(text) !== null, { message: 'expected a CIDR block' });
const protocol = z
  .union([z.string(), z.number()])
  .refine((v) => ruleProtocolNumber(v) !== null, {
    message: 'expected tcp, udp, icmp, icmpv6, -1 or a protocol number 0-255',
  })
  .transform((v) => String(v));
const port = z.number().int().min(-1).max(65535);
const tag = ec2Object({ Key: z.string().optional(), Value: z.string().optional() });
const tags = z.array(tag).optional();
/**
 * An EC2 resource id: the resource's prefix, a hyphen and a unique combination of lower-case
 * letters and digits (EC2 assigns 8 or 17 hexadecimal digits: `sg-0123456789abcdef0`; examples
 * and emulators use readable ones such as `sg-0web000000000000a` or `sg-app-extra`). Ids end up
 * in suggested commands and in text output, so nothing else may be in them.
 */
const ID_BODY = /^[0-9a-z]+(?:-[0-9a-z]+)*$/;
const id = (prefix: string) =>
  z.string().refine((v) => v.startsWith(prefix) && ID_BODY.test(v.slice(prefix.length)), {
    message: `expected an id "${prefix}" followed by lower-case letters and digits, as EC2 writes them (${prefix}0123456789abcdef0)`,
  });
/** A 12-digit AWS account id (owner of a resource, account of a referenced group). */
const accountId = z.string().regex(/^\d{12}$/, { message: 'expected an AWS account id: twelve digits' });

const userIdGroupPair = ec2Object({
  GroupId: id('sg-').optional(),
  GroupName: z.string().optional(),
  UserId: z.string().optional(),
  VpcId: id('vpc-').optional(),
  VpcPeeringConnectionId: id('pcx-').optional(),
  PeeringStatus: z.string().optional(),
  Description: z.string().optional(),
});

export const ipPermissionSchema = ec2Object({
  IpProtocol: protocol,
  FromPort: port.optional(),
  ToPort: port.optional(),
  IpRanges: z.array(ec2Object({ CidrIp: cidr(4), Description: z.string().optional() })).optional(),
  Ipv6Ranges: z.array(ec2Object({ CidrIpv6: cidr(6), Description: z.string().optional() })).optional(),
  PrefixListIds: z.array(ec2Object({ PrefixListId: id('pl-'), Description: z.string().optional() })).optional(),
  UserIdGroupPairs: z.array(userIdGroupPair).optional(),
});

const securityGroup = ec2Object({
  GroupId: id('sg-'),
  GroupName: z.string().optional(),
  Description: z.string().optional(),
  VpcId: id('vpc-').optional(),
  OwnerId: accountId.optional(),
  IpPermissions: z.array(ipPermissionSchema).optional(),
  IpPermissionsEgress: z.array(ipPermissionSchema).optional(),
  Tags: tags,
});

/** A stale rule (DescribeStaleSecurityGroups): its IpRanges and PrefixListIds are plain strings, never used for stale rules. */
const staleIpPermission = ec2Object({
  IpProtocol: protocol.optional(),
  FromPort: port.optional(),
  ToPort: port.optional(),
  UserIdGroupPairs: z.array(userIdGroupPair).optional(),
  IpRanges: z.array(z.string()).optional(),
  PrefixListIds: z.array(z.string()).optional(),
});

const staleSecurityGroup = ec2Object({
  GroupId: id('sg-'),
  GroupName: z.string().optional(),
  Description: z.string().optional(),
  VpcId: id('vpc-').optional(),
  StaleIpPermissions: z.array(staleIpPermission).optional(),
  StaleIpPermissionsEgress: z.array(staleIpPermission).optional(),
});

const securityGroupRule = ec2Object({
  SecurityGroupRuleId: id('sgr-').optional(),
  GroupId: id('sg-'),
  GroupOwnerId: accountId.optional(),
  IsEgress: z.boolean().optional(),
  IpProtocol: protocol,
  FromPort: port.optional(),
  ToPort: port.optional(),
  CidrIpv4: cidr(4).optional(),
  CidrIpv6: cidr(6).optional(),
  PrefixListId: id('pl-').optional(),
  ReferencedGroupInfo: ec2Object({
    GroupId: id('sg-').optional(),
    UserId: z.string().optional(),
    VpcId: id('vpc-').optional(),
    VpcPeeringConnectionId: id('pcx-').optional(),
  }).optional(),
  Description: z.string().optional(),
});

export const networkAclEntrySchema = ec2Object({
  RuleNumber: z.number().int().min(1).max(32768),
  Protocol: protocol,
  RuleAction: z.enum(['allow', 'deny']),
  Egress: z.boolean(),
  CidrBlock: cidr(4).optional(),
  Ipv6CidrBlock: cidr(6).optional(),
  IcmpTypeCode: ec2Object({ Code: z.number().int().optional(), Type: z.number().int().optional() }).optional(),
  PortRange: ec2Object({
    From: z.number().int().min(0).max(65535).optional(),
    To: z.number().int().min(0).max(65535).optional(),
  }).optional(),
}).refine((e) => (e.CidrBlock === undefined) !== (e.Ipv6CidrBlock === undefined), {
  message: 'an entry needs exactly one of CidrBlock and Ipv6CidrBlock',
});

const networkAcl = ec2Object({
  NetworkAclId: id('acl-'),
  VpcId: id('vpc-').optional(),
  IsDefault: z.boolean().optional(),
  OwnerId: accountId.optional(),
  Associations: z
    .array(
      ec2Object({
        NetworkAclAssociationId: z.string().optional(),
        NetworkAclId: id('acl-').optional(),
        SubnetId: id('subnet-').optional(),
      }),
    )
    .optional(),
  Entries: z.array(networkAclEntrySchema).optional(),
  Tags: tags,
});

const networkInterface = ec2Object({
  NetworkInterfaceId: id('eni-'),
  SubnetId: id('subnet-').optional(),
  VpcId: id('vpc-').optional(),
  OwnerId: accountId.optional(),
  Description: z.string().optional(),
  InterfaceType: z.string().optional(),
  RequesterId: z.string().optional(),
  RequesterManaged: z.boolean().optional(),
  Status: z.string().optional(),
  PrivateIpAddress: ipv4.optional(),
  PrivateIpAddresses: z
    .array(
      ec2Object({
        PrivateIpAddress: ipv4.optional(),
        Primary: z.boolean().optional(),
        Association: ec2Object({ PublicIp: ip.optional() }).optional(),
      }),
    )
    .optional(),
  Ipv6Addresses: z.array(ec2Object({ Ipv6Address: ipv6.optional() })).optional(),
  Ipv4Prefixes: z.array(ec2Object({ Ipv4Prefix: cidr(4).optional() })).optional(),
  Ipv6Prefixes: z.array(ec2Object({ Ipv6Prefix: cidr(6).optional() })).optional(),
  Association: ec2Object({ PublicIp: ip.optional(), AllocationId: z.string().optional() }).optional(),
  Attachment: ec2Object({
    InstanceId: id('i-').optional(),
    InstanceOwnerId: z.string().optional(),
    AttachmentId: z.string().optional(),
    DeviceIndex: z.number().optional(),
  }).optional(),
  Groups: z.array(ec2Object({ GroupId: id('sg-').optional(), GroupName: z.string().optional() })).optional(),
  TagSet: tags,
});

const blockState = ec2Object({ State: z.string().optional() }).optional();

const subnet = ec2Object({
  SubnetId: id('subnet-'),
  VpcId: id('vpc-').optional(),
  CidrBlock: cidr(4).optional(),
  Ipv6CidrBlockAssociationSet: z.array(ec2Object({ Ipv6CidrBlock: cidr(6).optional(), Ipv6CidrBlockState: blockState })).optional(),
  AvailabilityZone: z.string().optional(),
  AvailabilityZoneId: z.string().optional(),
  OwnerId: accountId.optional(),
  MapPublicIpOnLaunch: z.boolean().optional(),
  Tags: tags,
});

const vpc = ec2Object({
  VpcId: id('vpc-'),
  CidrBlock: cidr(4).optional(),
  CidrBlockAssociationSet: z.array(ec2Object({ CidrBlock: cidr(4).optional(), CidrBlockState: blockState })).optional(),
  Ipv6CidrBlockAssociationSet: z.array(ec2Object({ Ipv6CidrBlock: cidr(6).optional(), Ipv6CidrBlockState: blockState })).optional(),
  OwnerId: accountId.optional(),
  IsDefault: z.boolean().optional(),
  Tags: tags,
});

const managedPrefixList = ec2Object({
  PrefixListId: id('pl-'),
  PrefixListName: z.string().optional(),
  AddressFamily: z.string().optional(),
  MaxEntries: z.number().optional(),
  OwnerId: z.string().optional(),
  Version: z.number().optional(),
});

const vpcInfo = ec2Object({
  VpcId: id('vpc-').optional(),
  OwnerId: z.string().optional(),
  Region: z.string().optional(),
  CidrBlock: anyCidr.optional(),
}).optional();

const peering = ec2Object({
  VpcPeeringConnectionId: id('pcx-'),
  Status: ec2Object({ Code: z.string().optional(), Message: z.string().optional() }).optional(),
  AccepterVpcInfo: vpcInfo,
  RequesterVpcInfo: vpcInfo,
});

const flowLog = ec2Object({
  FlowLogId: z.string().optional(),
  ResourceId: z.string().optional(),
  TrafficType: z.enum(['ACCEPT', 'REJECT', 'ALL']).optional(),
  LogDestinationType: z.string().optional(),
  LogDestination: z.string().optional(),
  LogGroupName: z.string().optional(),
  LogFormat: z.string().optional(),
  FlowLogStatus: z.string().optional(),
  DeliverLogsStatus: z.string().optional(),
  DeliverLogsErrorMessage: z.string().optional(),
  MaxAggregationInterval: z.number().optional(),
});

const route = ec2Object({
  DestinationCidrBlock: cidr(4).optional(),
  DestinationIpv6CidrBlock: cidr(6).optional(),
  DestinationPrefixListId: id('pl-').optional(),
  GatewayId: z.string().optional(),
  NatGatewayId: id('nat-').optional(),
  TransitGatewayId: id('tgw-').optional(),
  VpcPeeringConnectionId: id('pcx-').optional(),
  EgressOnlyInternetGatewayId: id('eigw-').optional(),
  NetworkInterfaceId: id('eni-').optional(),
  InstanceId: id('i-').optional(),
  CarrierGatewayId: z.string().optional(),
  LocalGatewayId: z.string().optional(),
  CoreNetworkArn: z.string().optional(),
  OdbNetworkArn: z.string().optional(),
  State: z.string().optional(),
  Origin: z.string().optional(),
});

const routeTable = ec2Object({
  RouteTableId: id('rtb-'),
  VpcId: id('vpc-').optional(),
  OwnerId: accountId.optional(),
  Associations: z
    .array(
      ec2Object({
        RouteTableAssociationId: z.string().optional(),
        RouteTableId: id('rtb-').optional(),
        SubnetId: id('subnet-').optional(),
        GatewayId: z.string().optional(),
        Main: z.boolean().optional(),
        AssociationState: ec2Object({ State: z.string().optional(), StatusMessage: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  Routes: z.array(route).optional(),
  Tags: tags,
});

/** `enable` or `disable`: a transit gateway option the engine decides by, so nothing else is read as either. */
const tgwOption = z.enum(['enable', 'disable'], { message: 'expected enable or disable' });

/** The options of a transit gateway or of a VPC attachment to one that the engine reads. */
const tgwOptions = ec2Object({ SecurityGroupReferencingSupport: tgwOption.optional() }).optional();
/** A VPC attachment's options: those of a gateway, and appliance mode (which Availability Zone carries a flow). */
const tgwAttachmentOptions = ec2Object({
  SecurityGroupReferencingSupport: tgwOption.optional(),
  ApplianceModeSupport: tgwOption.optional(),
}).optional();

const transitGateway = ec2Object({
  TransitGatewayId: id('tgw-'),
  State: z.string().optional(),
  OwnerId: accountId.optional(),
  Options: tgwOptions,
  Tags: tags,
});

const transitGatewayVpcAttachment = ec2Object({
  TransitGatewayAttachmentId: id('tgw-attach-'),
  TransitGatewayId: id('tgw-').optional(),
  VpcId: id('vpc-').optional(),
  VpcOwnerId: accountId.optional(),
  State: z.string().optional(),
  SubnetIds: z.array(id('subnet-')).optional(),
  Options: tgwAttachmentOptions,
  Tags: tags,
});

/**
 * A member a live read left out because AWS refused the call. Its words end up in path output, so
 * each has the shape AWS gives it: an IAM action, a quota code, a region name, an error code (an AWS one, a
 * Service Quotas `ErrorReason` such as SERVICE_QUOTA_NOT_AVAILABLE_ERROR, or the network's, such
 * as EAI_AGAIN, for a call that never reached AWS).
 */
const notRead = ec2Object({
  Member: z.string().regex(/^[A-Z][A-Za-z]*$/, { message: 'expected a snapshot member name (RouteTables)' }),
  Action: z.string().regex(/^[a-z0-9-]+:[A-Za-z]+$/, { message: 'expected an IAM action (ec2:DescribeRouteTables)' }),
  // Service Quotas' own constraint on a quota code: a letter, then 1–127 letters, digits or hyphens.
  QuotaCode: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{1,127}$/, { message: 'expected a Service Quotas quota code (L-2AEEBF1A)' })
    .optional(),
  AccountId: accountId.optional(),
  Region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z0-9]+)+$/, { message: 'expected a region name (eu-west-1)' })
    .optional(),
  ErrorCode: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9._]*$/, { message: 'expected an AWS error code (UnauthorizedOperation)' })
    .optional(),
});

/** A rule quota's value: EC2 counts rules one by one. */
const wholeRules = (value: number | undefined): boolean => Number.isInteger(value) && (value as number) >= 1;

/**
 * A quota as Service Quotas describes it. Any quota's value is a number; the rules-per-group and
 * rules-per-network-ACL ones, which the engine holds fixes to, a whole number of rules.
 */
const serviceQuota = ec2Object({
  ServiceCode: z.string(),
  ServiceName: z.string().optional(),
  // The account part is empty in an AWS default quota's ARN; anything else in it would hide whose quota it is.
  QuotaArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:servicequotas:[a-z0-9-]*:(\d{12})?:.+$/, {
      message: 'expected a Service Quotas ARN (arn:aws:servicequotas:REGION:ACCOUNT:vpc/L-0EA8095F)',
    })
    .optional(),
  QuotaCode: z.string(),
  QuotaName: z.string().optional(),
  Value: z.number().optional(),
  Unit: z.string().optional(),
  Adjustable: z.boolean().optional(),
  GlobalQuota: z.boolean().optional(),
})
  .refine((q) => !isRulesPerGroupQuota(q) || wholeRules(q.Value), {
    message: 'expected the rules a security group may hold per direction (L-0EA8095F): a whole number, at least 1',
    path: ['Value'],
  })
  .refine((q) => !isRulesPerNetworkAclQuota(q) || wholeRules(q.Value), {
    message: 'expected the rules a network ACL may hold per direction (L-2AEEBF1A): a whole number, at least 1',
    path: ['Value'],
  });

const networkSnapshotShape = {
  SecurityGroups: z.array(securityGroup).optional(),
  SecurityGroupRules: z.array(securityGroupRule).optional(),
  NetworkAcls: z.array(networkAcl).optional(),
  NetworkInterfaces: z.array(networkInterface).optional(),
  Subnets: z.array(subnet).optional(),
  Vpcs: z.array(vpc).optional(),
  ManagedPrefixLists: z.array(managedPrefixList).optional(),
  VpcPeeringConnections: z.array(peering).optional(),
  FlowLogs: z.array(flowLog).optional(),
  RouteTables: z.array(routeTable).optional(),
  TransitGateways: z.array(transitGateway).optional(),
  TransitGatewayVpcAttachments: z.array(transitGatewayVpcAttachment).optional(),
  StaleSecurityGroupSet: z.array(staleSecurityGroup).optional(),
  PrefixListEntries: z.record(id('pl-'), z.array(ec2Object({ Cidr: anyCidr.optional(), Description: z.string().optional() }))).optional(),
  ServiceQuotas: z.array(serviceQuota).optional(),
  NotRead: z.array(notRead).optional(),
};

/**
 * A snapshot file: the contract, or what `aws service-quotas get-service-quota` prints, one quota
 * as `Quota` (the loader adds it to `ServiceQuotas`), or both.
 */
export const snapshotFileSchema = ec2Object({ ...networkSnapshotShape, Quota: serviceQuota.optional() });

/** The top-level members of the snapshot contract. */
export const NETWORK_SNAPSHOT_MEMBERS: readonly string[] = Object.keys(networkSnapshotShape);
