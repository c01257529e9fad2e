import type { NetworkInterface, NetworkSnapshot } from '../../../src/engine/network/snapshot';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { aclEntries, allow, deny } from './scenario-network';

/*
 * Return traffic without tcp-flags: what else tells that a REJECTed flow answers a connection the
 * other side opened (DESIGN.md: the reverse ACCEPT, a service port the groups allow the other way,
 * and what the snapshot knows of the peer — load balancers and NAT gateways use 1024–65535).
 *
 *   vpc-1 10.0.0.0/16
 *     subnet-pub 10.0.1.0/24  eni-lb  (ELB app/shop/…) 10.0.1.10  sg-lb
 *                             eni-nat (NAT gateway)    10.0.1.50  no groups
 *                             eni-web (i-web)          10.0.1.40  sg-web
 *     subnet-app 10.0.2.0/24  eni-app (i-app)          10.0.2.20  sg-app
 *     subnet-db  10.0.3.0/24  eni-db  (i-db)           10.0.3.30  sg-db
 */

/** The IPv4 catch-all deny (the snapshot has no IPv6 entries). */
const CATCH_ALL_V4 = deny(32767, '0.0.0.0/0');

const eni = (id: string, subnet: string, ip: string, groups: string[], extra: Partial<NetworkInterface> = {}): NetworkInterface => ({
  NetworkInterfaceId: id,
  SubnetId: subnet,
  VpcId: 'vpc-1',
  InterfaceType: 'interface',
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ PrivateIpAddress: ip, Primary: true }],
  Groups: groups.map((GroupId) => ({ GroupId })),
  ...extra,
});

const lb = eni('eni-lb', 'subnet-pub', '10.0.1.10', ['sg-lb'], { Description: 'ELB app/shop/50dc6c495c0c9188', RequesterManaged: true });
const nat = eni('eni-nat', 'subnet-pub', '10.0.1.50', [], {
  Description: 'Interface for NAT Gateway nat-0abc',
  InterfaceType: 'nat_gateway',
  RequesterManaged: true,
});

export const returnTrafficSnapshot: NetworkSnapshot = validateSnapshot({
  Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16' }],
  Subnets: [
    { SubnetId: 'subnet-pub', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24' },
    { SubnetId: 'subnet-app', VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' },
    { SubnetId: 'subnet-db', VpcId: 'vpc-1', CidrBlock: '10.0.3.0/24' },
  ],
  NetworkAcls: [
    {
      // The public subnet admits 443 and the Linux-and-Windows ephemeral ports only: not a NAT gateway's 1024–65535.
      NetworkAclId: 'acl-pub',
      VpcId: 'vpc-1',
      Associations: [{ SubnetId: 'subnet-pub' }],
      Entries: aclEntries(
        [allow(100, '0.0.0.0/0', '6', [443, 443]), allow(110, '0.0.0.0/0', '6', [32768, 65535]), CATCH_ALL_V4],
        [allow(100, '0.0.0.0/0'), CATCH_ALL_V4],
      ),
    },
    {
      // The app subnet: 8080 from the load balancers, replies to its own requests on Windows' range only;
      // out: its requests, and replies to the load balancers on 32768–65535 only.
      NetworkAclId: 'acl-app',
      VpcId: 'vpc-1',
      Associations: [{ SubnetId: 'subnet-app' }],
      Entries: aclEntries(
        [allow(100, '10.0.1.0/24', '6', [8080, 8080]), allow(110, '0.0.0.0/0', '6', [49152, 65535]), CATCH_ALL_V4],
        [
          allow(100, '0.0.0.0/0', '6', [443, 443]),
          allow(110, '10.0.3.0/24', '6', [50051, 50051]),
          allow(120, '10.0.1.0/24', '6', [32768, 65535]),
          CATCH_ALL_V4,
        ],
      ),
    },
    {
      NetworkAclId: 'acl-db',
      VpcId: 'vpc-1',
      Associations: [{ SubnetId: 'subnet-db' }],
      Entries: aclEntries(
        [allow(100, '10.0.2.0/24', '6', [50051, 50051]), CATCH_ALL_V4],
        [allow(100, '10.0.2.0/24', '6', [1024, 65535]), CATCH_ALL_V4],
      ),
    },
  ],
  SecurityGroups: [
    {
      GroupId: 'sg-lb',
      VpcId: 'vpc-1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: 'sg-app' }] }],
    },
    {
      GroupId: 'sg-app',
      VpcId: 'vpc-1',
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: 'sg-lb' }] },
        { IpProtocol: 'tcp', FromPort: 9443, ToPort: 9443, PrefixListIds: [{ PrefixListId: 'pl-corp' }] },
      ],
      IpPermissionsEgress: [
        // S3 through its AWS-managed prefix list, whose entries a snapshot may lack.
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-s3' }] },
        { IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, UserIdGroupPairs: [{ GroupId: 'sg-partner', UserId: '999999999999' }] },
        { IpProtocol: 'tcp', FromPort: 50051, ToPort: 50051, UserIdGroupPairs: [{ GroupId: 'sg-db' }] },
      ],
    },
    {
      GroupId: 'sg-db',
      VpcId: 'vpc-1',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 50051, ToPort: 50051, UserIdGroupPairs: [{ GroupId: 'sg-app' }] }],
      IpPermissionsEgress: [],
    },
    { GroupId: 'sg-web', VpcId: 'vpc-1', IpPermissions: [], IpPermissionsEgress: [] },
  ],
  NetworkInterfaces: [
    lb,
    nat,
    eni('eni-web', 'subnet-pub', '10.0.1.40', ['sg-web'], { Attachment: { InstanceId: 'i-web' } }),
    eni('eni-app', 'subnet-app', '10.0.2.20', ['sg-app'], { Attachment: { InstanceId: 'i-app' } }),
    eni('eni-db', 'subnet-db', '10.0.3.30', ['sg-db'], { Attachment: { InstanceId: 'i-db' } }),
  ],
  PrefixListEntries: {},
});
