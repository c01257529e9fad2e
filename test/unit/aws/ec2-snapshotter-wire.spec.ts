import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AwsClientFactory } from '../../../src/aws/aws-client.factory';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { explainFlow } from '../../../src/engine/evaluate/explain-flow';
import { parseIp } from '../../../src/engine/ip/ip-address';
import { NetworkModel } from '../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { flowAggregate } from '../../support/factories/flow-aggregate';
import { FakeHttpHandler } from '../../support/aws/fake-http-handler';

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

  it('says which call EC2 refused, in which account and region, and does not retry it', async () => {
    const handler = new FakeHttpHandler((request) => {
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
    const handler = new FakeHttpHandler((request) => {
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
    const handler = new FakeHttpHandler((request) => {
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
    const handler = new FakeHttpHandler((request) => {
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
});
