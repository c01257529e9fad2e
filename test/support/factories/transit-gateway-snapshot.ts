import type { NetworkSnapshot, TransitGateway, TransitGatewayVpcAttachment } from '../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';

/*
 * Two VPCs that reach each other through transit gateways, for security group references across
 * them (AWS Transit Gateways Guide, "Security group referencing"):
 *
 *   vpc-a 10.0.0.0/16  subnet-a 10.0.1.0/24   eni-a1 10.0.1.10 carries sg-app
 *   vpc-c 10.2.0.0/16  subnet-c 10.2.1.0/24   eni-c1 10.2.1.50 carries sg-db (inbound 5432 from sg-app)
 *                      subnet-c2 10.2.2.0/24  eni-c2 10.2.2.50 carries sg-db
 *
 * vpc-a's and vpc-c's main tables route each other's block to tgw-1; subnet-c2's own table routes
 * vpc-a's block to tgw-2. Both gateways have an available attachment of each VPC, every setting
 * `enable` except tgw-2's own (`disable`, its default).
 */

export const OWNER = '111111111111';
const open = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
const openAcl = (NetworkAclId: string, VpcId: string) => ({
  NetworkAclId,
  VpcId,
  IsDefault: true,
  Entries: [
    { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
    { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
  ],
});
const eni = (NetworkInterfaceId: string, SubnetId: string, VpcId: string, ip: string, GroupId: string) => ({
  NetworkInterfaceId,
  SubnetId,
  VpcId,
  OwnerId: OWNER,
  InterfaceType: 'interface',
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
  Groups: [{ GroupId }],
});
export const local = (cidr: string) => ({ DestinationCidrBlock: cidr, GatewayId: 'local', State: 'active' });
const toGateway = (cidr: string, TransitGatewayId: string) => ({ DestinationCidrBlock: cidr, TransitGatewayId, State: 'active' });
const attachment = (id: string, TransitGatewayId: string, VpcId: string): TransitGatewayVpcAttachment => ({
  TransitGatewayAttachmentId: id,
  TransitGatewayId,
  VpcId,
  VpcOwnerId: OWNER,
  State: 'available',
  Options: { SecurityGroupReferencingSupport: 'enable' },
});
const gateway = (TransitGatewayId: string, support: 'enable' | 'disable'): TransitGateway => ({
  TransitGatewayId,
  OwnerId: OWNER,
  State: 'available',
  Options: { SecurityGroupReferencingSupport: support },
});

/** The estate above, as a validated snapshot (each call a fresh copy to edit). */
export function transitGatewaySnapshot(): NetworkSnapshot {
  return validateSnapshot({
    Vpcs: [
      { VpcId: 'vpc-a', OwnerId: OWNER, CidrBlock: '10.0.0.0/16' },
      { VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.0.0/16' },
    ],
    Subnets: [
      { SubnetId: 'subnet-a', VpcId: 'vpc-a', OwnerId: OWNER, CidrBlock: '10.0.1.0/24' },
      { SubnetId: 'subnet-c', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.1.0/24' },
      { SubnetId: 'subnet-c2', VpcId: 'vpc-c', OwnerId: OWNER, CidrBlock: '10.2.2.0/24' },
    ],
    NetworkInterfaces: [
      eni('eni-a1', 'subnet-a', 'vpc-a', '10.0.1.10', 'sg-app'),
      eni('eni-c1', 'subnet-c', 'vpc-c', '10.2.1.50', 'sg-db'),
      eni('eni-c2', 'subnet-c2', 'vpc-c', '10.2.2.50', 'sg-db'),
    ],
    SecurityGroups: [
      { GroupId: 'sg-app', VpcId: 'vpc-a', OwnerId: OWNER, IpPermissions: [], IpPermissionsEgress: open },
      {
        GroupId: 'sg-db',
        VpcId: 'vpc-c',
        OwnerId: OWNER,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app', UserId: OWNER, VpcId: 'vpc-a' }] },
        ],
        // Outbound, the same reference: transit gateways never resolve it there.
        IpPermissionsEgress: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app', UserId: OWNER }] },
        ],
      },
    ],
    NetworkAcls: [openAcl('acl-a', 'vpc-a'), openAcl('acl-c', 'vpc-c')],
    RouteTables: [
      {
        RouteTableId: 'rtb-a-main',
        VpcId: 'vpc-a',
        Associations: [{ Main: true }],
        Routes: [local('10.0.0.0/16'), toGateway('10.2.0.0/16', 'tgw-1')],
      },
      {
        RouteTableId: 'rtb-c-main',
        VpcId: 'vpc-c',
        Associations: [{ Main: true }],
        Routes: [local('10.2.0.0/16'), toGateway('10.0.0.0/16', 'tgw-1')],
      },
      {
        RouteTableId: 'rtb-c2',
        VpcId: 'vpc-c',
        Associations: [{ SubnetId: 'subnet-c2', AssociationState: { State: 'associated' } }],
        Routes: [local('10.2.0.0/16'), toGateway('10.0.0.0/16', 'tgw-2')],
      },
    ],
    TransitGateways: [gateway('tgw-1', 'enable'), gateway('tgw-2', 'disable')],
    TransitGatewayVpcAttachments: [
      attachment('tgw-attach-a1', 'tgw-1', 'vpc-a'),
      attachment('tgw-attach-c1', 'tgw-1', 'vpc-c'),
      attachment('tgw-attach-a2', 'tgw-2', 'vpc-a'),
      attachment('tgw-attach-c2', 'tgw-2', 'vpc-c'),
    ],
  });
}

/** An edit of a copy of the snapshot, for a case that differs from it. */
export type SnapshotEdit = (s: NetworkSnapshot) => void;

export const gatewayOf = (s: NetworkSnapshot, id: string) => s.TransitGateways!.find((g) => g.TransitGatewayId === id)!;
export const attachmentOf = (s: NetworkSnapshot, id: string) =>
  s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === id)!;

/** Sets members of gateway `id`. */
export const setGateway =
  (id: string, fields: Partial<TransitGateway>): SnapshotEdit =>
  (s) =>
    Object.assign(gatewayOf(s, id), fields);

/** Sets members of attachment `id`. */
export const setAttachment =
  (id: string, fields: Partial<TransitGatewayVpcAttachment>): SnapshotEdit =>
  (s) =>
    Object.assign(attachmentOf(s, id), fields);

/** Leaves attachment `id` out of the snapshot. */
export const dropAttachment =
  (id: string): SnapshotEdit =>
  (s) => {
    s.TransitGatewayVpcAttachments = s.TransitGatewayVpcAttachments!.filter((a) => a.TransitGatewayAttachmentId !== id);
  };

/** Security-group referencing turned off (on a gateway or an attachment). */
export const disable = { Options: { SecurityGroupReferencingSupport: 'disable' as const } };
