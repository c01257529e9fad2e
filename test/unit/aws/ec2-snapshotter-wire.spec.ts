import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AwsClientFactory } from '../../../src/aws/aws-client.factory';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { explainFlow } from '../../../src/engine/evaluate/explain-flow';
import { parseIp } from '../../../src/engine/ip/ip-address';
import { networkAclRuleQuota } from '../../../src/engine/fixes/network-acl-rule-quota';
import { NetworkModel } from '../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../src/engine/path/analyze-path';
import { parsePathQuery } from '../../../src/engine/path/path-query';
import { flowAggregate } from '../../support/factories/flow-aggregate';
import { FakeHttpHandler, type FakeResponse, type RecordedRequest } from '../../support/aws/fake-http-handler';
import {
  isGetServiceQuota,
  networkAclRuleQuotaWire,
  quotaCodeOf,
  ruleQuotaWire,
  ruleQuotasWire,
  serviceQuotasErrorWire,
} from '../../support/aws/service-quotas-responses';
import { networkAclRuleQuotaNotRead, networkAclRuleQuotaOf, ruleQuotaNotRead, ruleQuotaOf } from '../../support/factories/service-quota';

/**
 * The snapshotter through real EC2 clients: requests serialised and signed by the SDK, answered
 * with the XML EC2 sends (aws-sdk-client-mock would patch every EC2 client of a file, so these
 * live apart from ec2-snapshotter.spec.ts).
 */
const target = { accountId: '111122223333', region: 'eu-west-1' };

/** Describe responses as EC2 writes them, with the members it leaves out and the values it uses for managed resources. */
const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const WIRE: Record<string, string> = {
  DescribeSubnets: `<DescribeSubnetsResponse ${NS}><requestId>r-subnets</requestId><subnetSet><item><subnetId>subnet-0a1b2c3d</subnetId><state>available</state><vpcId>vpc-0a1b2c3d</vpcId><cidrBlock>10.0.1.0/24</cidrBlock><ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>2600:1f18:1234:5601::/64</ipv6CidrBlock><associationId>subnet-cidr-assoc-01</associationId><ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item></ipv6CidrBlockAssociationSet><availableIpAddressCount>250</availableIpAddressCount><availabilityZone>eu-west-1a</availabilityZone><availabilityZoneId>euw1-az1</availabilityZoneId><ownerId>111122223333</ownerId><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch></item></subnetSet></DescribeSubnetsResponse>`,
  DescribeVpcs: `<DescribeVpcsResponse ${NS}><requestId>r-vpcs</requestId><vpcSet><item><vpcId>vpc-0a1b2c3d</vpcId><ownerId>111122223333</ownerId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock><cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-01</associationId><cidrBlockState><state>associated</state></cidrBlockState></item><item><cidrBlock>100.64.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-02</associationId><cidrBlockState><state>failed</state><statusMessage>CIDR block conflicts</statusMessage></cidrBlockState></item></cidrBlockAssociationSet><ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>2600:1f18:1234:5600::/56</ipv6CidrBlock><associationId>vpc-cidr-assoc-03</associationId><ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState><networkBorderGroup>eu-west-1</networkBorderGroup><ipv6Pool>Amazon</ipv6Pool></item></ipv6CidrBlockAssociationSet><isDefault>false</isDefault></item></vpcSet></DescribeVpcsResponse>`,
  DescribeSecurityGroups: `<DescribeSecurityGroupsResponse ${NS}><requestId>r-sgs</requestId><securityGroupInfo><item><ownerId>111122223333</ownerId><groupId>sg-0a1b2c3d4e5f60001</groupId><groupName>app</groupName><groupDescription>app</groupDescription><vpcId>vpc-0a1b2c3d</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>8080</fromPort><toPort>8080</toPort><groups><item><userId>111122223333</userId><groupId>sg-0a1b2c3d4e5f60002</groupId></item></groups><ipRanges/><ipv6Ranges/><prefixListIds/></item><item><ipProtocol>icmp</ipProtocol><fromPort>8</fromPort><toPort>-1</toPort><groups/><ipRanges><item><cidrIp>10.0.0.0/16</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissions><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges><prefixListIds/></item></ipPermissionsEgress></item></securityGroupInfo></DescribeSecurityGroupsResponse>`,
  DescribeNetworkAcls: `<DescribeNetworkAclsResponse ${NS}><requestId>r-acls</requestId><networkAclSet><item><networkAclId>acl-0a1b2c3d</networkAclId><vpcId>vpc-0a1b2c3d</vpcId><default>true</default><entrySet><item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item><ruleNumber>110</ruleNumber><protocol>58</protocol><ruleAction>allow</ruleAction><egress>false</egress><ipv6CidrBlock>::/0</ipv6CidrBlock><icmpTypeCode><code>-1</code><type>-1</type></icmpTypeCode></item><item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item><ruleNumber>32768</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>false</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item><item><ruleNumber>100</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item><ruleNumber>101</ruleNumber><protocol>-1</protocol><ruleAction>allow</ruleAction><egress>true</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item><item><ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item><ruleNumber>32768</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>true</egress><ipv6CidrBlock>::/0</ipv6CidrBlock></item></entrySet><associationSet><item><networkAclAssociationId>aclassoc-0a1b2c3d</networkAclAssociationId><networkAclId>acl-0a1b2c3d</networkAclId><subnetId>subnet-0a1b2c3d</subnetId></item></associationSet><tagSet/><ownerId>111122223333</ownerId></item></networkAclSet></DescribeNetworkAclsResponse>`,
  DescribeNetworkInterfaces: `<DescribeNetworkInterfacesResponse ${NS}><requestId>r-enis</requestId><networkInterfaceSet><item><networkInterfaceId>eni-0a1b2c3d4e5f60001</networkInterfaceId><subnetId>subnet-0a1b2c3d</subnetId><vpcId>vpc-0a1b2c3d</vpcId><availabilityZone>eu-west-1a</availabilityZone><description>Interface for NAT Gateway nat-0a1b2c3d4e5f60001</description><ownerId>111122223333</ownerId><requesterId>amazon-nat</requesterId><requesterManaged>true</requesterManaged><status>in-use</status><privateIpAddress>10.0.1.5</privateIpAddress><sourceDestCheck>false</sourceDestCheck><groupSet/><attachment><attachmentId>ela-attach-0a1b2c3d</attachmentId><instanceOwnerId>amazon-aws</instanceOwnerId><deviceIndex>1</deviceIndex><status>attached</status><attachTime>2024-01-10T09:00:00.000Z</attachTime><deleteOnTermination>false</deleteOnTermination></attachment><association><publicIp>198.51.100.5</publicIp><ipOwnerId>amazon</ipOwnerId><allocationId>eipalloc-0a1b2c3d</allocationId></association><interfaceType>nat_gateway</interfaceType><privateIpAddressesSet><item><privateIpAddress>10.0.1.5</privateIpAddress><primary>true</primary><association><publicIp>198.51.100.5</publicIp><ipOwnerId>amazon</ipOwnerId></association></item></privateIpAddressesSet><ipv6AddressesSet/><tagSet/></item><item><networkInterfaceId>eni-0a1b2c3d4e5f60002</networkInterfaceId><subnetId>subnet-0a1b2c3d</subnetId><vpcId>vpc-0a1b2c3d</vpcId><description>AWS Lambda VPC ENI-resize-images-6cc5ad4b-8ef2-4d12-9a12-f4d24c1b8c4c</description><ownerId>111122223333</ownerId><requesterId>AROAEXAMPLEROLEID:resize-images</requesterId><requesterManaged>true</requesterManaged><status>in-use</status><privateIpAddress>10.0.1.20</privateIpAddress><groupSet><item><groupId>sg-0a1b2c3d4e5f60001</groupId><groupName>app</groupName></item><item><groupId>sg-0a1b2c3d4e5f60002</groupId><groupName>lambda</groupName></item></groupSet><interfaceType>lambda</interfaceType><privateIpAddressesSet><item><privateIpAddress>10.0.1.20</privateIpAddress><primary>true</primary></item><item><privateIpAddress>10.0.1.21</privateIpAddress><primary>false</primary></item></privateIpAddressesSet><ipv6AddressesSet><item><ipv6Address>2600:1f18:1234:5601::20</ipv6Address><isPrimaryIpv6>false</isPrimaryIpv6></item><item><ipv6Address>2600:1f18:1234:5601::21</ipv6Address></item></ipv6AddressesSet><tagSet/></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
};

/**
 * DescribeRouteTables in two pages, as EC2 writes them: the VPC's main table (its association has
 * `main` true and no subnet), then the subnet's own table with IPv4 and IPv6 local routes, a NAT
 * default, an IPv6 default to an egress-only internet gateway, a gateway endpoint's prefix-list
 * route and a blackhole left by a deleted peering connection.
 */
const ROUTE_TABLE_PAGES = [
  `<DescribeRouteTablesResponse ${NS}><requestId>r-rtb-1</requestId><routeTableSet><item><routeTableId>rtb-0a1b2c3d4e5f60001</routeTableId><vpcId>vpc-0a1b2c3d</vpcId><ownerId>111122223333</ownerId><routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item></routeSet><associationSet><item><routeTableAssociationId>rtbassoc-0a1b2c3d4e5f60001</routeTableAssociationId><routeTableId>rtb-0a1b2c3d4e5f60001</routeTableId><main>true</main><associationState><state>associated</state></associationState></item></associationSet><propagatingVgwSet/><tagSet/></item></routeTableSet><nextToken>eyJ2IjoiMiIsImMiOiJydGIifQ==</nextToken></DescribeRouteTablesResponse>`,
  `<DescribeRouteTablesResponse ${NS}><requestId>r-rtb-2</requestId><routeTableSet><item><routeTableId>rtb-0a1b2c3d4e5f60002</routeTableId><vpcId>vpc-0a1b2c3d</vpcId><ownerId>111122223333</ownerId><routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item><item><destinationIpv6CidrBlock>2600:1f18:1234:5600::/56</destinationIpv6CidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>nat-0a1b2c3d4e5f60001</natGatewayId><state>active</state><origin>CreateRoute</origin></item><item><destinationIpv6CidrBlock>::/0</destinationIpv6CidrBlock><egressOnlyInternetGatewayId>eigw-0a1b2c3d4e5f60001</egressOnlyInternetGatewayId><state>active</state><origin>CreateRoute</origin></item><item><destinationPrefixListId>pl-0123456789abcdef0</destinationPrefixListId><gatewayId>vpce-0a1b2c3d4e5f60001</gatewayId><state>active</state><origin>CreateRoute</origin></item><item><destinationCidrBlock>10.1.0.0/16</destinationCidrBlock><vpcPeeringConnectionId>pcx-0a1b2c3d4e5f60001</vpcPeeringConnectionId><state>blackhole</state><origin>CreateRoute</origin></item></routeSet><associationSet><item><routeTableAssociationId>rtbassoc-0a1b2c3d4e5f60002</routeTableAssociationId><routeTableId>rtb-0a1b2c3d4e5f60002</routeTableId><subnetId>subnet-0a1b2c3d</subnetId><main>false</main><associationState><state>associated</state></associationState></item></associationSet><propagatingVgwSet/><tagSet><item><key>Name</key><value>app</value></item></tagSet></item></routeTableSet></DescribeRouteTablesResponse>`,
];

/**
 * DescribeTransitGateways in two pages and DescribeTransitGatewayVpcAttachments in one, as EC2
 * writes them: a gateway with security group referencing enabled, one shared by another account
 * with it disabled, and the VPC's attachment to the first (the option enabled, as attachments are
 * created) with its subnets.
 */
const TRANSIT_GATEWAY_PAGES = [
  `<DescribeTransitGatewaysResponse ${NS}><requestId>r-tgw-1</requestId><transitGatewaySet><item><transitGatewayId>tgw-0a1b2c3d4e5f60001</transitGatewayId><transitGatewayArn>arn:aws:ec2:eu-west-1:111122223333:transit-gateway/tgw-0a1b2c3d4e5f60001</transitGatewayArn><state>available</state><ownerId>111122223333</ownerId><description>hub</description><creationTime>2024-05-02T08:00:00.000Z</creationTime><options><amazonSideAsn>64512</amazonSideAsn><autoAcceptSharedAttachments>disable</autoAcceptSharedAttachments><defaultRouteTableAssociation>enable</defaultRouteTableAssociation><associationDefaultRouteTableId>tgw-rtb-0a1b2c3d4e5f60001</associationDefaultRouteTableId><defaultRouteTablePropagation>enable</defaultRouteTablePropagation><propagationDefaultRouteTableId>tgw-rtb-0a1b2c3d4e5f60001</propagationDefaultRouteTableId><vpnEcmpSupport>enable</vpnEcmpSupport><dnsSupport>enable</dnsSupport><securityGroupReferencingSupport>enable</securityGroupReferencingSupport><multicastSupport>disable</multicastSupport></options><tagSet><item><key>Name</key><value>hub</value></item></tagSet></item></transitGatewaySet><nextToken>dGd3LXBhZ2UtMg==</nextToken></DescribeTransitGatewaysResponse>`,
  `<DescribeTransitGatewaysResponse ${NS}><requestId>r-tgw-2</requestId><transitGatewaySet><item><transitGatewayId>tgw-0a1b2c3d4e5f60002</transitGatewayId><transitGatewayArn>arn:aws:ec2:eu-west-1:444455556666:transit-gateway/tgw-0a1b2c3d4e5f60002</transitGatewayArn><state>available</state><ownerId>444455556666</ownerId><creationTime>2023-11-20T08:00:00.000Z</creationTime><options><amazonSideAsn>64513</amazonSideAsn><autoAcceptSharedAttachments>enable</autoAcceptSharedAttachments><defaultRouteTableAssociation>enable</defaultRouteTableAssociation><defaultRouteTablePropagation>enable</defaultRouteTablePropagation><vpnEcmpSupport>enable</vpnEcmpSupport><dnsSupport>enable</dnsSupport><securityGroupReferencingSupport>disable</securityGroupReferencingSupport><multicastSupport>disable</multicastSupport></options><tagSet/></item></transitGatewaySet></DescribeTransitGatewaysResponse>`,
];
const TRANSIT_GATEWAY_VPC_ATTACHMENTS = `<DescribeTransitGatewayVpcAttachmentsResponse ${NS}><requestId>r-tgw-attach</requestId><transitGatewayVpcAttachments><item><transitGatewayAttachmentId>tgw-attach-0a1b2c3d4e5f60001</transitGatewayAttachmentId><transitGatewayId>tgw-0a1b2c3d4e5f60001</transitGatewayId><vpcId>vpc-0a1b2c3d</vpcId><vpcOwnerId>111122223333</vpcOwnerId><state>available</state><subnetIds><item>subnet-0a1b2c3d</item></subnetIds><creationTime>2024-05-02T08:10:00.000Z</creationTime><options><dnsSupport>enable</dnsSupport><securityGroupReferencingSupport>enable</securityGroupReferencingSupport><ipv6Support>disable</ipv6Support><applianceModeSupport>disable</applianceModeSupport></options><tagSet/></item></transitGatewayVpcAttachments></DescribeTransitGatewayVpcAttachmentsResponse>`;

describe('Ec2Snapshotter over the EC2 wire protocol', () => {
  const staticCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  /** Every Describe call answers with an empty result, as EC2 does for an account without those resources. */
  const empty = (action: string) => ({
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId></${action}Response>`,
  });
  const unauthorized = {
    status: 403,
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>b5fe2b5b-8e3e-4f1f-9a3c-EXAMPLE</RequestID></Response>',
  };
  const actionOf = (body: string) => new URLSearchParams(body).get('Action') ?? '';
  /**
   * A handler answering EC2 with `respond` and Service Quotas' GetServiceQuota, which every snapshot
   * sends too (once for each rule quota), with the quota asked for of an account that never raised
   * it (`quota` to answer otherwise).
   */
  const ec2Handler = (
    respond: (request: RecordedRequest, index: number) => FakeResponse,
    quota: (request: RecordedRequest) => FakeResponse = (request) => ruleQuotasWire(request, { region: 'eu-west-1' }),
  ) => new FakeHttpHandler((request, index) => (isGetServiceQuota(request) ? quota(request) : respond(request, index)));

  it('says which call EC2 refused, in which account and region, and does not retry it', async () => {
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      return action === 'DescribeFlowLogs' ? unauthorized : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const error = await new Ec2Snapshotter(factory).snapshot(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403, attempts: 1 } });
    expect((error as Error).message).toBe(
      'ec2:DescribeFlowLogs (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    );
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeFlowLogs')).toHaveLength(1);
  });

  it('says which prefix-list read was refused', async () => {
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeManagedPrefixLists') {
        return {
          status: 200,
          body: '<DescribeManagedPrefixListsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><prefixListSet><item><prefixListId>pl-0123456789abcdef0</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListName>office</prefixListName><maxEntries>10</maxEntries><version>3</version><ownerId>111122223333</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>',
        };
      }
      return action === 'GetManagedPrefixListEntries' ? unauthorized : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    await expect(new Ec2Snapshotter(factory).snapshot(target)).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: 'ec2:GetManagedPrefixListEntries (account 111122223333, eu-west-1): You are not authorized to perform this operation.',
    });
  });

  it('when throttling outlasts the retries, the analysis is told which call was throttled and tries again later', async () => {
    const throttled = {
      status: 503,
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>d3c1e5a0-1a2b-4c3d-8e9f-EXAMPLE</RequestID></Response>',
    };
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      return action === 'DescribeVpcs' ? throttled : empty(action);
    });
    const factory = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: new ConfiguredRetryStrategy(3, 1) },
    });
    const error = await new Ec2Snapshotter(factory).snapshot(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503, attempts: 3 } });
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeVpcs')).toHaveLength(3);
    expect(classifyFailure(error)).toEqual({
      code: 'AWS.THROTTLED',
      reason:
        'AWS throttled the request (RequestLimitExceeded): ec2:DescribeVpcs (account 111122223333, eu-west-1): Request limit exceeded.; the analysis is retried later',
      permanent: false,
    });
  });

  it('reads the members EC2 leaves out or fills in for managed resources into a snapshot the engine accepts', async () => {
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    // What the organisation path validates, the single-account path may rely on too.
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    expect(snapshot.SecurityGroups?.[0].IpPermissions?.[0]).toEqual({
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      UserIdGroupPairs: [{ UserId: '111122223333', GroupId: 'sg-0a1b2c3d4e5f60002' }],
      IpRanges: [],
      Ipv6Ranges: [],
      PrefixListIds: [],
    });
    expect(snapshot.SecurityGroups?.[0].IpPermissionsEgress?.[0]).not.toHaveProperty('FromPort');
    expect(snapshot.NetworkAcls?.[0].Entries?.[1]).toEqual({
      RuleNumber: 110,
      Protocol: '58',
      RuleAction: 'allow',
      Egress: false,
      Ipv6CidrBlock: '::/0',
      IcmpTypeCode: { Code: -1, Type: -1 },
    });
    const [nat, lambda] = snapshot.NetworkInterfaces ?? [];
    expect(nat).toMatchObject({
      InterfaceType: 'nat_gateway',
      RequesterManaged: true,
      Attachment: { InstanceOwnerId: 'amazon-aws', DeviceIndex: 1 },
    });
    expect(nat.Groups).toEqual([]);
    expect(lambda).not.toHaveProperty('Attachment');

    const model = NetworkModel.fromSnapshot(snapshot);
    expect(model.interfaceOwner('eni-0a1b2c3d4e5f60001')).toBe('nat-0a1b2c3d4e5f60001');
    expect(model.interfaceOwner('eni-0a1b2c3d4e5f60002')).toBe('lambda:resize-images');
    expect(model.securityGroupsOf('eni-0a1b2c3d4e5f60002')).toEqual(['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002']);
    expect(model.vpcContains('vpc-0a1b2c3d', parseIp('100.64.0.5')!)).toBe(false);
    expect(model.vpcContains('vpc-0a1b2c3d', parseIp('10.0.9.5')!)).toBe(true);
    // An IPv6 address of the Lambda function's interface is its own: the flow is judged at it, and its group allows it out.
    const verdict = explainFlow(
      model,
      flowAggregate({
        interfaceId: 'eni-0a1b2c3d4e5f60002',
        srcaddr: '2600:1f18:1234:5601::21',
        dstaddr: '2001:db8::7',
        srcport: 40000,
        dstport: 443,
        protocol: 6,
        flowDirection: 'egress',
      }),
    );
    expect(verdict).toMatchObject({ verdict: 'allowed', direction: 'egress', blockedBy: [] });
  });

  const S3_PREFIX_LIST =
    '<DescribeManagedPrefixListsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-pl</requestId><prefixListSet><item><prefixListId>pl-0123456789abcdef0</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListArn>arn:aws:ec2:eu-west-1:aws:prefix-list/pl-0123456789abcdef0</prefixListArn><prefixListName>com.amazonaws.eu-west-1.s3</prefixListName><tagSet/><ownerId>AWS</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>';
  const S3_PREFIX_LIST_ENTRIES =
    '<GetManagedPrefixListEntriesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-ple</requestId><entrySet><item><cidr>52.218.0.0/17</cidr></item><item><cidr>3.5.64.0/21</cidr></item></entrySet></GetManagedPrefixListEntriesResponse>';

  it('reads DescribeRouteTables page by page, and path analysis takes its route hop from them', async () => {
    const handler = ec2Handler((request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      if (action === 'DescribeRouteTables') return { status: 200, body: ROUTE_TABLE_PAGES[params.get('NextToken') ? 1 : 0] };
      // The gateway endpoint's route names S3's AWS-managed prefix list, which DescribeManagedPrefixLists lists too.
      if (action === 'DescribeManagedPrefixLists') return { status: 200, body: S3_PREFIX_LIST };
      if (action === 'GetManagedPrefixListEntries') return { status: 200, body: S3_PREFIX_LIST_ENTRIES };
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);

    const sent = handler.requests.map((r) => new URLSearchParams(r.body)).filter((p) => p.get('Action') === 'DescribeRouteTables');
    expect(sent.map((p) => [p.get('MaxResults'), p.get('NextToken')])).toEqual([
      ['100', null],
      ['100', 'eyJ2IjoiMiIsImMiOiJydGIifQ=='],
    ]);
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    const [main, own] = snapshot.RouteTables ?? [];
    expect(main.Associations).toEqual([
      {
        RouteTableAssociationId: 'rtbassoc-0a1b2c3d4e5f60001',
        RouteTableId: 'rtb-0a1b2c3d4e5f60001',
        Main: true,
        AssociationState: { State: 'associated' },
      },
    ]);
    expect(own.Associations?.[0]).toMatchObject({ SubnetId: 'subnet-0a1b2c3d', Main: false });
    expect(own.Routes).toEqual([
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
      { DestinationIpv6CidrBlock: '2600:1f18:1234:5600::/56', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a1b2c3d4e5f60001', State: 'active', Origin: 'CreateRoute' },
      { DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: 'eigw-0a1b2c3d4e5f60001', State: 'active', Origin: 'CreateRoute' },
      { DestinationPrefixListId: 'pl-0123456789abcdef0', GatewayId: 'vpce-0a1b2c3d4e5f60001', State: 'active', Origin: 'CreateRoute' },
      { DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60001', State: 'blackhole', Origin: 'CreateRoute' },
    ]);

    // `why` from the Lambda function's interface: the subnet's own table decides.
    const model = NetworkModel.fromSnapshot(snapshot);
    const route = (to: string) =>
      analyzePath(model, parsePathQuery({ from: 'eni-0a1b2c3d4e5f60002', to, protocol: 'tcp', port: 5432 })).hops.find(
        (h) => h.hop === 'route',
      );
    const dropped = analyzePath(model, parsePathQuery({ from: 'eni-0a1b2c3d4e5f60002', to: '10.1.0.5', protocol: 'tcp', port: 5432 }));
    expect(dropped.verdict).toBe('blocked');
    expect(dropped.hops.find((h) => h.hop === 'route')).toMatchObject({
      verdict: 'deny',
      routeTableId: 'rtb-0a1b2c3d4e5f60002',
      explanationCode: 'BAD_STATE_ROUTE',
      reason: 'the route 10.1.0.0/16 of rtb-0a1b2c3d4e5f60002 is a blackhole (pcx-0a1b2c3d4e5f60001 is gone)',
    });
    expect(dropped.reason).toContain('is a blackhole');
    // Another subnet of the VPC (one of the same subnet is reached without the router: skipped).
    expect(route('10.0.200.5')).toMatchObject({ verdict: 'allow', rule: { targetType: 'local' } });
    expect(route('10.0.1.5')).toMatchObject({ verdict: 'skipped' });
    expect(route('8.8.8.8')).toMatchObject({ verdict: 'allow', rule: { targetType: 'nat-gateway', target: 'nat-0a1b2c3d4e5f60001' } });
    expect(route('2001:db8::7')).toMatchObject({ verdict: 'allow', rule: { targetType: 'egress-only-internet-gateway' } });
    expect(route('52.218.10.20')).toMatchObject({ verdict: 'allow', rule: { destination: 'pl-0123456789abcdef0' } });
  });

  it('with a role that predates DescribeRouteTables, the snapshot is taken and the route hop names the refusal', async () => {
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeRouteTables') return unauthorized;
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.RouteTables).toBeUndefined();
    expect(snapshot.NotRead).toEqual([
      {
        Member: 'RouteTables',
        Action: 'ec2:DescribeRouteTables',
        AccountId: '111122223333',
        Region: 'eu-west-1',
        ErrorCode: 'UnauthorizedOperation',
      },
    ]);
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeRouteTables')).toHaveLength(1);
    const path = analyzePath(
      NetworkModel.fromSnapshot(snapshot),
      parsePathQuery({ from: 'eni-0a1b2c3d4e5f60002', to: '10.1.0.5', protocol: 'tcp', port: 5432 }),
    );
    expect(path.hops.find((h) => h.hop === 'route')).toMatchObject({
      verdict: 'skipped',
      reason:
        'not evaluated: ec2:DescribeRouteTables was refused (UnauthorizedOperation) in account 111122223333, eu-west-1, so the snapshot has no RouteTables; grant ec2:DescribeRouteTables to the read role (iam/ec2-config.json)',
    });
  });

  it('a refusal whose code carries the fault prefix (`Client.UnauthorizedOperation`, as CloudTrail and some EC2-compatible endpoints write it) is a refusal too', async () => {
    const prefixed = {
      ...unauthorized,
      body: unauthorized.body.replace('<Code>UnauthorizedOperation<', '<Code>Client.UnauthorizedOperation<'),
    };
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeRouteTables' || action === 'DescribeStaleSecurityGroups') return prefixed;
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.RouteTables).toBeUndefined();
    expect(snapshot.NotRead?.map((n) => [n.Member, n.ErrorCode])).toEqual([
      ['RouteTables', 'UnauthorizedOperation'],
      ['StaleSecurityGroupSet', 'UnauthorizedOperation'],
    ]);
  });

  it('keeps every call within EC2’s 200 filter values per call, over all its filters, and lists a NACL of subnets in several calls once', async () => {
    const subnetIds = Array.from({ length: 250 }, (_, i) => `subnet-${i.toString(16).padStart(17, '0')}`);
    const [first, last] = [subnetIds[0]!, subnetIds[249]!];
    const filterValues = (params: URLSearchParams, name: string) => {
      const index = [...params.entries()].find(([key, value]) => /^Filter\.\d+\.Name$/.test(key) && value === name)?.[0].split('.')[1];
      return index ? [...params.entries()].filter(([key]) => key.startsWith(`Filter.${index}.Value.`)).map(([, value]) => value) : [];
    };
    const subnetItem = (id: string) =>
      `<item><subnetId>${id}</subnetId><state>available</state><vpcId>vpc-0a1b2c3d</vpcId><cidrBlock>10.0.${subnetIds.indexOf(id)}.0/24</cidrBlock><ownerId>111122223333</ownerId></item>`;
    const nacl = `<item><networkAclId>acl-0a1b2c3d</networkAclId><vpcId>vpc-0a1b2c3d</vpcId><default>false</default><entrySet/><associationSet><item><networkAclAssociationId>aclassoc-01</networkAclAssociationId><networkAclId>acl-0a1b2c3d</networkAclId><subnetId>${first}</subnetId></item><item><networkAclAssociationId>aclassoc-02</networkAclAssociationId><networkAclId>acl-0a1b2c3d</networkAclId><subnetId>${last}</subnetId></item></associationSet><tagSet/><ownerId>111122223333</ownerId></item>`;
    const handler = ec2Handler((request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      const values = [...params.keys()].filter((key) => /^Filter\.\d+\.Value\.\d+$/.test(key)).length;
      if (values > 200) {
        return {
          status: 400,
          body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>FilterLimitExceeded</Code><Message>The maximum number of filter values specified on a single call is 200</Message></Error></Errors><RequestID>5b389b19-de21-4f16-b8d7-EXAMPLE</RequestID></Response>',
        };
      }
      if (action === 'DescribeSubnets') {
        const wanted = filterValues(params, 'subnet-id');
        return {
          status: 200,
          body: `<DescribeSubnetsResponse ${NS}><requestId>r</requestId><subnetSet>${wanted.map(subnetItem).join('')}</subnetSet></DescribeSubnetsResponse>`,
        };
      }
      if (action === 'DescribeNetworkAcls') {
        const wanted = filterValues(params, 'association.subnet-id');
        const body = wanted.includes(first) || wanted.includes(last) ? nacl : '';
        return {
          status: 200,
          body: `<DescribeNetworkAclsResponse ${NS}><requestId>r</requestId><networkAclSet>${body}</networkAclSet></DescribeNetworkAclsResponse>`,
        };
      }
      return WIRE[action] && action !== 'DescribeSubnets' && action !== 'DescribeNetworkAcls'
        ? { status: 200, body: WIRE[action] }
        : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot({ ...target, vpcIds: ['vpc-0a1b2c3d'], subnetIds });
    expect(snapshot.Subnets).toHaveLength(250);
    expect(snapshot.NetworkAcls?.map((n) => n.NetworkAclId)).toEqual(['acl-0a1b2c3d']);
    for (const request of handler.requests.filter((r) => !isGetServiceQuota(r))) {
      const params = new URLSearchParams(request.body);
      expect([...params.keys()].filter((key) => /^Filter\.\d+\.Value\.\d+$/.test(key)).length).toBeLessThanOrEqual(200);
    }
  });

  it('a VPC deleted between DescribeVpcs and DescribeStaleSecurityGroups (InvalidVpcID.NotFound) has no stale groups, not a failed read', async () => {
    const vpcGone = {
      status: 400,
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID \'vpc-0a1b2c3d\' does not exist</Message></Error></Errors><RequestID>0b6a1d2e-EXAMPLE</RequestID></Response>',
    };
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeStaleSecurityGroups') return vpcGone;
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.StaleSecurityGroupSet).toEqual([]);
    expect(snapshot.NotRead).toBeUndefined();
  });

  it('reads DescribeTransitGateways page by page and DescribeTransitGatewayVpcAttachments into the snapshot, with their referencing options', async () => {
    const handler = ec2Handler((request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      if (action === 'DescribeTransitGateways') return { status: 200, body: TRANSIT_GATEWAY_PAGES[params.get('NextToken') ? 1 : 0] };
      if (action === 'DescribeTransitGatewayVpcAttachments') return { status: 200, body: TRANSIT_GATEWAY_VPC_ATTACHMENTS };
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot({ ...target, vpcIds: ['vpc-0a1b2c3d'] });
    const sent = (name: string) => handler.requests.map((r) => new URLSearchParams(r.body)).filter((p) => p.get('Action') === name);
    expect(sent('DescribeTransitGateways').map((p) => [p.get('MaxResults'), p.get('NextToken'), p.get('Filter.1.Name')])).toEqual([
      ['1000', null, null],
      ['1000', 'dGd3LXBhZ2UtMg==', null],
    ]);
    expect(sent('DescribeTransitGatewayVpcAttachments').map((p) => [p.get('Filter.1.Name'), p.get('Filter.1.Value.1')])).toEqual([
      ['vpc-id', 'vpc-0a1b2c3d'],
    ]);
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    expect(snapshot.TransitGateways).toMatchObject([
      {
        TransitGatewayId: 'tgw-0a1b2c3d4e5f60001',
        State: 'available',
        OwnerId: '111122223333',
        Options: { SecurityGroupReferencingSupport: 'enable' },
      },
      {
        TransitGatewayId: 'tgw-0a1b2c3d4e5f60002',
        State: 'available',
        OwnerId: '444455556666',
        Options: { SecurityGroupReferencingSupport: 'disable' },
      },
    ]);
    expect(snapshot.TransitGatewayVpcAttachments).toEqual([
      {
        TransitGatewayAttachmentId: 'tgw-attach-0a1b2c3d4e5f60001',
        TransitGatewayId: 'tgw-0a1b2c3d4e5f60001',
        VpcId: 'vpc-0a1b2c3d',
        VpcOwnerId: '111122223333',
        State: 'available',
        SubnetIds: ['subnet-0a1b2c3d'],
        CreationTime: '2024-05-02T08:10:00.000Z',
        Options: {
          DnsSupport: 'enable',
          SecurityGroupReferencingSupport: 'enable',
          Ipv6Support: 'disable',
          ApplianceModeSupport: 'disable',
        },
        Tags: [],
      },
    ]);
  });

  it('with a role that predates the transit gateway calls, the snapshot is taken and names both refusals, each call sent once', async () => {
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeTransitGateways' || action === 'DescribeTransitGatewayVpcAttachments') return unauthorized;
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot).not.toHaveProperty('TransitGateways');
    expect(snapshot).not.toHaveProperty('TransitGatewayVpcAttachments');
    expect(snapshot.NotRead?.map((n) => [n.Member, n.Action, n.ErrorCode])).toEqual([
      ['TransitGateways', 'ec2:DescribeTransitGateways', 'UnauthorizedOperation'],
      ['TransitGatewayVpcAttachments', 'ec2:DescribeTransitGatewayVpcAttachments', 'UnauthorizedOperation'],
    ]);
    expect(handler.requests.filter((r) => actionOf(r.body).startsWith('DescribeTransitGateway'))).toHaveLength(2);
    expect(snapshot.NetworkInterfaces).toHaveLength(2);
  });

  it('reads on through a page EC2 returns empty with a NextToken, and past the last entries to the empty page that ends the list', async () => {
    const group = (id: string) =>
      `<item><ownerId>111122223333</ownerId><groupId>${id}</groupId><groupName>${id}</groupName><groupDescription>app</groupDescription><vpcId>vpc-0a1b2c3d</vpcId><ipPermissions/><ipPermissionsEgress/><tagSet/></item>`;
    const groupPages: Record<string, string> = {
      '': `<DescribeSecurityGroupsResponse ${NS}><requestId>r-sg-1</requestId><securityGroupInfo>${group('sg-0a1b2c3d4e5f60001')}</securityGroupInfo><nextToken>c2ctcGFnZS0y</nextToken></DescribeSecurityGroupsResponse>`,
      c2ctcGFnZS0y: `<DescribeSecurityGroupsResponse ${NS}><requestId>r-sg-2</requestId><securityGroupInfo/><nextToken>c2ctcGFnZS0z</nextToken></DescribeSecurityGroupsResponse>`,
      c2ctcGFnZS0z: `<DescribeSecurityGroupsResponse ${NS}><requestId>r-sg-3</requestId><securityGroupInfo>${group('sg-0a1b2c3d4e5f60002')}</securityGroupInfo></DescribeSecurityGroupsResponse>`,
    };
    const entryPages: Record<string, string> = {
      '': `<GetManagedPrefixListEntriesResponse ${NS}><requestId>r-pl-1</requestId><entrySet><item><cidr>52.218.0.0/17</cidr></item><item><cidr>3.5.64.0/21</cidr></item></entrySet><nextToken>cGwtcGFnZS0y</nextToken></GetManagedPrefixListEntriesResponse>`,
      cGwtcGFnZS0y: `<GetManagedPrefixListEntriesResponse ${NS}><requestId>r-pl-2</requestId><entrySet/></GetManagedPrefixListEntriesResponse>`,
    };
    const handler = ec2Handler((request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      const token = params.get('NextToken') ?? '';
      if (action === 'DescribeSecurityGroups') return { status: 200, body: groupPages[token] };
      if (action === 'GetManagedPrefixListEntries') return { status: 200, body: entryPages[token] };
      if (action === 'DescribeManagedPrefixLists') {
        return {
          status: 200,
          body: `<DescribeManagedPrefixListsResponse ${NS}><requestId>r-pl</requestId><prefixListSet><item><prefixListId>pl-6da54004</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListArn>arn:aws:ec2:eu-west-1:aws:prefix-list/pl-6da54004</prefixListArn><prefixListName>com.amazonaws.eu-west-1.s3</prefixListName><maxEntries>0</maxEntries><version>0</version><tagSet/><ownerId>AWS</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>`,
        };
      }
      return empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.SecurityGroups?.map((g) => g.GroupId)).toEqual(['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002']);
    expect(handler.requests.filter((r) => actionOf(r.body) === 'DescribeSecurityGroups')).toHaveLength(3);
    // An AWS-managed list (owner `AWS`, no MaxEntries to speak of) is read like any other.
    expect(snapshot.ManagedPrefixLists).toMatchObject([{ PrefixListId: 'pl-6da54004', OwnerId: 'AWS' }]);
    expect(snapshot.PrefixListEntries).toEqual({ 'pl-6da54004': [{ Cidr: '52.218.0.0/17' }, { Cidr: '3.5.64.0/21' }] });
    expect(handler.requests.filter((r) => actionOf(r.body) === 'GetManagedPrefixListEntries')).toHaveLength(2);
  });

  it("reads delegated prefixes (ipv4PrefixSet, ipv6PrefixSet) as the interface's addresses, for direction and for group references", async () => {
    // A node with prefix delegation (pods take addresses of its /28 and /80) carrying sg-…0002, which the app group references.
    const node = `<item><networkInterfaceId>eni-0a1b2c3d4e5f60003</networkInterfaceId><subnetId>subnet-0a1b2c3d</subnetId><vpcId>vpc-0a1b2c3d</vpcId><ownerId>111122223333</ownerId><requesterManaged>false</requesterManaged><status>in-use</status><privateIpAddress>10.0.1.30</privateIpAddress><groupSet><item><groupId>sg-0a1b2c3d4e5f60002</groupId><groupName>nodes</groupName></item></groupSet><attachment><attachmentId>eni-attach-0a1b2c3d4e5f60003</attachmentId><instanceId>i-0a1b2c3d4e5f60003</instanceId><instanceOwnerId>111122223333</instanceOwnerId><deviceIndex>0</deviceIndex><status>attached</status></attachment><interfaceType>interface</interfaceType><privateIpAddressesSet><item><privateIpAddress>10.0.1.30</privateIpAddress><primary>true</primary></item></privateIpAddressesSet><ipv6AddressesSet/><ipv4PrefixSet><item><ipv4Prefix>10.0.1.48/28</ipv4Prefix></item></ipv4PrefixSet><ipv6PrefixSet><item><ipv6Prefix>2600:1f18:1234:5601:1::/80</ipv6Prefix></item></ipv6PrefixSet><tagSet/></item>`;
    const interfaces = WIRE.DescribeNetworkInterfaces.replace('</networkInterfaceSet>', `${node}</networkInterfaceSet>`);
    const handler = ec2Handler((request) => {
      const action = actionOf(request.body);
      if (action === 'DescribeNetworkInterfaces') return { status: 200, body: interfaces };
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.NetworkInterfaces?.[2]).toMatchObject({
      Ipv4Prefixes: [{ Ipv4Prefix: '10.0.1.48/28' }],
      Ipv6Prefixes: [{ Ipv6Prefix: '2600:1f18:1234:5601:1::/80' }],
    });
    const model = NetworkModel.fromSnapshot(snapshot);
    // A pod's address is the node interface's own: the record captured there is its egress, judged
    // by the node's group (which WIRE does not describe), not left without a direction.
    const fromPod = { interfaceId: 'eni-0a1b2c3d4e5f60003', srcaddr: '10.0.1.50', dstaddr: '203.0.113.9', srcport: 40000, dstport: 443 };
    expect(explainFlow(model, flowAggregate(fromPod))).toMatchObject({
      verdict: 'unknown',
      direction: 'egress',
      reason: 'security group sg-0a1b2c3d4e5f60002 is not in the snapshot',
    });
    // The app group lets tcp/8080 in from sg-…0002: a pod of the node carries it, by IPv4 and by IPv6.
    for (const [srcaddr, dstaddr] of [
      ['10.0.1.50', '10.0.1.20'],
      ['2600:1f18:1234:5601:1::5', '2600:1f18:1234:5601::20'],
    ]) {
      const flow = flowAggregate({ interfaceId: 'eni-0a1b2c3d4e5f60002', srcaddr, dstaddr, srcport: 40000, dstport: 8080 });
      expect(explainFlow(model, flow)).toMatchObject({ verdict: 'allowed', direction: 'ingress' });
    }
  });

  it('a prefix list deleted between DescribeManagedPrefixLists and GetManagedPrefixListEntries is left out, not a failed read', async () => {
    // The account deletes a customer-managed list while the snapshot is taken: EC2 listed it, then
    // answers its entries with InvalidPrefixListID.NotFound. No rule can reference a deleted list
    // (DeleteManagedPrefixList refuses one still referenced), so nothing of the network is lost.
    const lists = `<DescribeManagedPrefixListsResponse ${NS}><requestId>r-pl</requestId><prefixListSet><item><prefixListId>pl-0123456789abcdef0</prefixListId><addressFamily>IPv4</addressFamily><state>create-complete</state><prefixListName>office</prefixListName><maxEntries>10</maxEntries><version>3</version><tagSet/><ownerId>111122223333</ownerId></item><item><prefixListId>pl-0fedcba987654321f</prefixListId><addressFamily>IPv4</addressFamily><state>delete-in-progress</state><prefixListName>old-partners</prefixListName><maxEntries>5</maxEntries><version>1</version><tagSet/><ownerId>111122223333</ownerId></item></prefixListSet></DescribeManagedPrefixListsResponse>`;
    const officeEntries = `<GetManagedPrefixListEntriesResponse ${NS}><requestId>r-ple</requestId><entrySet><item><cidr>192.0.2.0/24</cidr><description>office</description></item></entrySet></GetManagedPrefixListEntriesResponse>`;
    const handler = ec2Handler((request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      if (action === 'DescribeManagedPrefixLists') return { status: 200, body: lists };
      if (action === 'GetManagedPrefixListEntries') {
        return params.get('PrefixListId') === 'pl-0123456789abcdef0'
          ? { status: 200, body: officeEntries }
          : {
              status: 400,
              body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidPrefixListID.NotFound</Code><Message>The prefix list ID 'pl-0fedcba987654321f' does not exist</Message></Error></Errors><RequestID>4d1f1a8e-8a2c-4b7e-9f4e-EXAMPLE</RequestID></Response>`,
            };
      }
      return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
    });
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot.ManagedPrefixLists?.map((l) => l.PrefixListId)).toEqual(['pl-0123456789abcdef0']);
    expect(snapshot.PrefixListEntries).toEqual({ 'pl-0123456789abcdef0': [{ Cidr: '192.0.2.0/24', Description: 'office' }] });
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    expect(snapshot.NetworkInterfaces).toHaveLength(2);
  });

  /** EC2 answered with the WIRE responses, an empty result for the rest. */
  const wireEc2 = (request: RecordedRequest) => {
    const action = actionOf(request.body);
    return WIRE[action] ? { status: 200, body: WIRE[action] } : empty(action);
  };
  const denied = () =>
    serviceQuotasErrorWire(
      400,
      'AccessDeniedException',
      'User: arn:aws:sts::111122223333:assumed-role/sgdoctor-read/sgdoctor is not authorized to perform: servicequotas:GetServiceQuota',
    );
  const noSuchQuota = () =>
    serviceQuotasErrorWire(400, 'NoSuchResourceException', 'The request failed because the specified service quota does not exist.');
  /** The quota as Service Quotas sends it when it has no value to give: ErrorReason in its place. */
  const withoutValue = (answer: FakeResponse): FakeResponse => {
    const { Quota } = JSON.parse(answer.body as string) as { Quota: Record<string, unknown> };
    const { Value: _value, ...quota } = Quota;
    return {
      ...answer,
      body: JSON.stringify({
        Quota: {
          ...quota,
          ErrorReason: { ErrorCode: 'SERVICE_QUOTA_NOT_AVAILABLE_ERROR', ErrorMessage: 'The quota value is not available.' },
        },
      }),
    };
  };
  const quotaCodesSent = (handler: FakeHttpHandler) =>
    handler.requests
      .filter(isGetServiceQuota)
      .map((r) => quotaCodeOf(r))
      .sort();

  it('reads both rule quotas from Service Quotas (JSON 1.1, signed for servicequotas), each GetServiceQuota throttled once and then answered through the SDK’s retries', async () => {
    const throttled = new Set<string | undefined>();
    const handler = ec2Handler(wireEc2, (request) => {
      const code = quotaCodeOf(request);
      if (!throttled.has(code)) {
        throttled.add(code);
        return serviceQuotasErrorWire(400, 'TooManyRequestsException', 'Rate exceeded');
      }
      return code === 'L-0EA8095F' ? ruleQuotaWire(200, { region: 'eu-west-1' }) : networkAclRuleQuotaWire(40, { region: 'eu-west-1' });
    });
    const factory = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: new ConfiguredRetryStrategy(3, 1) },
    });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    const sent = handler.requests.filter(isGetServiceQuota);
    expect(sent).toHaveLength(4);
    for (const request of sent) {
      expect(request).toMatchObject({ hostname: 'servicequotas.eu-west-1.amazonaws.com', path: '/' });
      expect(request.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/servicequotas\/aws4_request/);
    }
    expect(sent.map((r) => JSON.parse(r.body) as unknown)).toEqual(
      expect.arrayContaining([
        { ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' },
        { ServiceCode: 'vpc', QuotaCode: 'L-2AEEBF1A' },
      ]),
    );
    expect(quotaCodesSent(handler)).toEqual(['L-0EA8095F', 'L-0EA8095F', 'L-2AEEBF1A', 'L-2AEEBF1A']);
    expect(snapshot.ServiceQuotas).toEqual([ruleQuotaOf(200, { region: 'eu-west-1' }), networkAclRuleQuotaOf(40, { region: 'eu-west-1' })]);
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    expect(snapshot).not.toHaveProperty('NotRead');
  });

  it('with a role that predates GetServiceQuota, the snapshot is taken, both refusals named in NotRead by quota, each call sent once', async () => {
    const handler = ec2Handler(wireEc2, denied);
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    expect(snapshot).not.toHaveProperty('ServiceQuotas');
    expect(snapshot.NotRead).toEqual([ruleQuotaNotRead('AccessDeniedException'), networkAclRuleQuotaNotRead('AccessDeniedException')]);
    expect(validateSnapshot(snapshot)).toEqual(snapshot);
    expect(quotaCodesSent(handler)).toEqual(['L-0EA8095F', 'L-2AEEBF1A']);
    expect(snapshot.NetworkInterfaces).toHaveLength(2);
  });

  it.each([
    ['refused (a policy scoped to the security-group quota’s ARN)', denied, 'AccessDeniedException'],
    ['not there to give (NoSuchResourceException)', noSuchQuota, 'NoSuchResourceException'],
    [
      'given without its value',
      (request: RecordedRequest) => withoutValue(ruleQuotasWire(request, { region: 'eu-west-1' })),
      'SERVICE_QUOTA_NOT_AVAILABLE_ERROR',
    ],
  ])(
    'the network ACL quota %s: the security-group quota is still read and used, the other named by its code',
    async (_case, fail, code) => {
      const handler = ec2Handler(wireEc2, (request) =>
        quotaCodeOf(request) === 'L-2AEEBF1A' ? fail(request) : ruleQuotaWire(200, { region: 'eu-west-1' }),
      );
      const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
      const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
      expect(snapshot.ServiceQuotas).toEqual([ruleQuotaOf(200, { region: 'eu-west-1' })]);
      expect(snapshot.NotRead).toEqual([networkAclRuleQuotaNotRead(code)]);
      expect(validateSnapshot(snapshot)).toEqual(snapshot);
      expect(quotaCodesSent(handler)).toEqual(['L-0EA8095F', 'L-2AEEBF1A']);
    },
  );

  it.each([
    ['refused', denied, 'AccessDeniedException'],
    ['not there to give (NoSuchResourceException)', noSuchQuota, 'NoSuchResourceException'],
    [
      'given without its value',
      (request: RecordedRequest) => withoutValue(ruleQuotasWire(request, { region: 'eu-west-1' })),
      'SERVICE_QUOTA_NOT_AVAILABLE_ERROR',
    ],
  ])(
    'the security-group quota %s: the network ACL quota is still read and used, the other named by its code',
    async (_case, fail, code) => {
      const handler = ec2Handler(wireEc2, (request) =>
        quotaCodeOf(request) === 'L-0EA8095F' ? fail(request) : networkAclRuleQuotaWire(40, { region: 'eu-west-1' }),
      );
      const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
      const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
      expect(snapshot.ServiceQuotas).toEqual([networkAclRuleQuotaOf(40, { region: 'eu-west-1' })]);
      expect(snapshot.NotRead).toEqual([ruleQuotaNotRead(code)]);
      expect(validateSnapshot(snapshot)).toEqual(snapshot);
    },
  );

  it('the NACL quota read live holds a NACL fix to the account’s value, not to the default 20', async () => {
    const handler = ec2Handler(wireEc2, (request) => ruleQuotasWire(request, { region: 'eu-west-1' }, { rulesPerNetworkAcl: 40 }));
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const snapshot = await new Ec2Snapshotter(factory).snapshot(target);
    const model = NetworkModel.fromSnapshot(snapshot);
    expect(networkAclRuleQuota(model, 'acl-0a1b2c3d')).toEqual({ value: 40, source: 'account' });
  });
});
