import { z } from 'zod';
import { parseCidr, parseIp } from '../ip/ip-address';
import { ruleProtocolNumber } from './protocol';

/*
 * zod schemas of the snapshot contract: the members the engine reads are checked, every other
 * member is kept as it came (loose objects), as `aws ec2 describe-… --output json` prints them.
 */

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
const tag = z.looseObject({ Key: z.string().optional(), Value: z.string().optional() });
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

const userIdGroupPair = z.looseObject({
  GroupId: id('sg-').optional(),
  GroupName: z.string().optional(),
  UserId: z.string().optional(),
  VpcId: id('vpc-').optional(),
  VpcPeeringConnectionId: id('pcx-').optional(),
  PeeringStatus: z.string().optional(),
  Description: z.string().optional(),
});

export const ipPermissionSchema = z.looseObject({
  IpProtocol: protocol,
  FromPort: port.optional(),
  ToPort: port.optional(),
  IpRanges: z.array(z.looseObject({ CidrIp: cidr(4), Description: z.string().optional() })).optional(),
  Ipv6Ranges: z.array(z.looseObject({ CidrIpv6: cidr(6), Description: z.string().optional() })).optional(),
  PrefixListIds: z.array(z.looseObject({ PrefixListId: id('pl-'), Description: z.string().optional() })).optional(),
  UserIdGroupPairs: z.array(userIdGroupPair).optional(),
});

const securityGroup = z.looseObject({
  GroupId: id('sg-'),
  GroupName: z.string().optional(),
  Description: z.string().optional(),
  VpcId: id('vpc-').optional(),
  OwnerId: accountId.optional(),
  IpPermissions: z.array(ipPermissionSchema).optional(),
  IpPermissionsEgress: z.array(ipPermissionSchema).optional(),
  Tags: tags,
});

const securityGroupRule = z.looseObject({
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
  ReferencedGroupInfo: z
    .looseObject({
      GroupId: id('sg-').optional(),
      UserId: z.string().optional(),
      VpcId: id('vpc-').optional(),
      VpcPeeringConnectionId: id('pcx-').optional(),
    })
    .optional(),
  Description: z.string().optional(),
});

export const networkAclEntrySchema = z
  .looseObject({
    RuleNumber: z.number().int().min(1).max(32768),
    Protocol: protocol,
    RuleAction: z.enum(['allow', 'deny']),
    Egress: z.boolean(),
    CidrBlock: cidr(4).optional(),
    Ipv6CidrBlock: cidr(6).optional(),
    IcmpTypeCode: z.looseObject({ Code: z.number().int().optional(), Type: z.number().int().optional() }).optional(),
    PortRange: z
      .looseObject({ From: z.number().int().min(0).max(65535).optional(), To: z.number().int().min(0).max(65535).optional() })
      .optional(),
  })
  .refine((e) => (e.CidrBlock === undefined) !== (e.Ipv6CidrBlock === undefined), {
    message: 'an entry needs exactly one of CidrBlock and Ipv6CidrBlock',
  });

const networkAcl = z.looseObject({
  NetworkAclId: id('acl-'),
  VpcId: id('vpc-').optional(),
  IsDefault: z.boolean().optional(),
  OwnerId: accountId.optional(),
  Associations: z
    .array(
      z.looseObject({
        NetworkAclAssociationId: z.string().optional(),
        NetworkAclId: id('acl-').optional(),
        SubnetId: id('subnet-').optional(),
      }),
    )
    .optional(),
  Entries: z.array(networkAclEntrySchema).optional(),
  Tags: tags,
});

const networkInterface = z.looseObject({
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
      z.looseObject({
        PrivateIpAddress: ipv4.optional(),
        Primary: z.boolean().optional(),
        Association: z.looseObject({ PublicIp: ip.optional() }).optional(),
      }),
    )
    .optional(),
  Ipv6Addresses: z.array(z.looseObject({ Ipv6Address: ipv6.optional() })).optional(),
  Ipv4Prefixes: z.array(z.looseObject({ Ipv4Prefix: cidr(4).optional() })).optional(),
  Ipv6Prefixes: z.array(z.looseObject({ Ipv6Prefix: cidr(6).optional() })).optional(),
  Association: z.looseObject({ PublicIp: ip.optional(), AllocationId: z.string().optional() }).optional(),
  Attachment: z
    .looseObject({
      InstanceId: id('i-').optional(),
      InstanceOwnerId: z.string().optional(),
      AttachmentId: z.string().optional(),
      DeviceIndex: z.number().optional(),
    })
    .optional(),
  Groups: z.array(z.looseObject({ GroupId: id('sg-').optional(), GroupName: z.string().optional() })).optional(),
  TagSet: tags,
});

const blockState = z.looseObject({ State: z.string().optional() }).optional();

const subnet = z.looseObject({
  SubnetId: id('subnet-'),
  VpcId: id('vpc-').optional(),
  CidrBlock: cidr(4).optional(),
  Ipv6CidrBlockAssociationSet: z.array(z.looseObject({ Ipv6CidrBlock: cidr(6).optional(), Ipv6CidrBlockState: blockState })).optional(),
  AvailabilityZone: z.string().optional(),
  AvailabilityZoneId: z.string().optional(),
  OwnerId: accountId.optional(),
  MapPublicIpOnLaunch: z.boolean().optional(),
  Tags: tags,
});

const vpc = z.looseObject({
  VpcId: id('vpc-'),
  CidrBlock: cidr(4).optional(),
  CidrBlockAssociationSet: z.array(z.looseObject({ CidrBlock: cidr(4).optional(), CidrBlockState: blockState })).optional(),
  Ipv6CidrBlockAssociationSet: z.array(z.looseObject({ Ipv6CidrBlock: cidr(6).optional(), Ipv6CidrBlockState: blockState })).optional(),
  OwnerId: accountId.optional(),
  IsDefault: z.boolean().optional(),
  Tags: tags,
});

const managedPrefixList = z.looseObject({
  PrefixListId: id('pl-'),
  PrefixListName: z.string().optional(),
  AddressFamily: z.string().optional(),
  MaxEntries: z.number().optional(),
  OwnerId: z.string().optional(),
  Version: z.number().optional(),
});

const vpcInfo = z
  .looseObject({
    VpcId: id('vpc-').optional(),
    OwnerId: z.string().optional(),
    Region: z.string().optional(),
    CidrBlock: anyCidr.optional(),
  })
  .optional();

const peering = z.looseObject({
  VpcPeeringConnectionId: id('pcx-'),
  Status: z.looseObject({ Code: z.string().optional(), Message: z.string().optional() }).optional(),
  AccepterVpcInfo: vpcInfo,
  RequesterVpcInfo: vpcInfo,
});

const flowLog = z.looseObject({
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

const route = z.looseObject({
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

const routeTable = z.looseObject({
  RouteTableId: id('rtb-'),
  VpcId: id('vpc-').optional(),
  OwnerId: accountId.optional(),
  Associations: z
    .array(
      z.looseObject({
        RouteTableAssociationId: z.string().optional(),
        RouteTableId: id('rtb-').optional(),
        SubnetId: id('subnet-').optional(),
        GatewayId: z.string().optional(),
        Main: z.boolean().optional(),
        AssociationState: z.looseObject({ State: z.string().optional(), StatusMessage: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  Routes: z.array(route).optional(),
  Tags: tags,
});

/** `enable` or `disable`: a transit gateway option the engine decides by, so nothing else is read as either. */
const tgwOption = z.enum(['enable', 'disable'], { message: 'expected enable or disable' });

/** The options of a transit gateway or of a VPC attachment to one that the engine reads. */
const tgwOptions = z.looseObject({ SecurityGroupReferencingSupport: tgwOption.optional() }).optional();
/** A VPC attachment's options: those of a gateway, and appliance mode (which Availability Zone carries a flow). */
const tgwAttachmentOptions = z
  .looseObject({ SecurityGroupReferencingSupport: tgwOption.optional(), ApplianceModeSupport: tgwOption.optional() })
  .optional();

const transitGateway = z.looseObject({
  TransitGatewayId: id('tgw-'),
  State: z.string().optional(),
  OwnerId: accountId.optional(),
  Options: tgwOptions,
  Tags: tags,
});

const transitGatewayVpcAttachment = z.looseObject({
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
 * each has the shape AWS gives it: an IAM action, a region name, an error code.
 */
const notRead = z.looseObject({
  Member: z.string().regex(/^[A-Z][A-Za-z]*$/, { message: 'expected a snapshot member name (RouteTables)' }),
  Action: z.string().regex(/^[a-z0-9-]+:[A-Za-z]+$/, { message: 'expected an IAM action (ec2:DescribeRouteTables)' }),
  AccountId: accountId.optional(),
  Region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z0-9]+)+$/, { message: 'expected a region name (eu-west-1)' })
    .optional(),
  ErrorCode: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9.]*$/, { message: 'expected an AWS error code (UnauthorizedOperation)' })
    .optional(),
});

export const networkSnapshotSchema = z.looseObject({
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
  PrefixListEntries: z
    .record(id('pl-'), z.array(z.looseObject({ Cidr: anyCidr.optional(), Description: z.string().optional() })))
    .optional(),
  NotRead: z.array(notRead).optional(),
});
