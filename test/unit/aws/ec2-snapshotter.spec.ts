import {
  DescribeFlowLogsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import {
  AccessDeniedException,
  GetServiceQuotaCommand,
  type GetServiceQuotaCommandOutput,
  NoSuchResourceException,
  ServiceException,
  ServiceQuotasClient,
  TooManyRequestsException,
} from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { Ec2Snapshotter, checkScopeDescribed } from '../../../src/aws/ec2-snapshotter';
import { RULES_PER_GROUP_QUOTA } from '../../../src/engine/network/rules-per-group-quota';
import { RULES_PER_NETWORK_ACL_QUOTA } from '../../../src/engine/network/rules-per-network-acl-quota';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';
import { SnapshotValidationError } from '../../../src/engine/network/snapshot-validation.error';
import * as fx from '../../support/aws/ec2-responses';
import { networkAclRuleQuotaResponse, ruleQuotaResponse, ruleQuotasResponse } from '../../support/aws/service-quotas-responses';
import { networkAclRuleQuotaNotRead, networkAclRuleQuotaOf, ruleQuotaNotRead, ruleQuotaOf } from '../../support/factories/service-quota';

const target = { accountId: '111122223333', region: 'eu-west-1' };

describe('Ec2Snapshotter', () => {
  const ec2Mock = mockClient(EC2Client);
  const quotasMock = mockClient(ServiceQuotasClient);
  const client = new EC2Client({ region: 'eu-west-1' });
  const quotas = new ServiceQuotasClient({ region: 'eu-west-1' });
  const snapshotter = new Ec2Snapshotter({ ec2: () => client, serviceQuotas: () => quotas }, { concurrency: 2 });

  beforeEach(() => {
    ec2Mock.reset();
    quotasMock.reset();
    // An account that never raised its rule quotas: each answered for the quota it asks.
    quotasMock
      .on(GetServiceQuotaCommand)
      .callsFake(async (input: { QuotaCode?: string }) => ruleQuotasResponse(input, { region: 'eu-west-1' }));
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce(fx.securityGroupPages[0])
      .resolvesOnce(fx.securityGroupPages[1])
      .resolvesOnce(fx.securityGroupPages[2]);
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves(fx.securityGroupRulesPage);
    ec2Mock.on(DescribeNetworkAclsCommand).resolves(fx.networkAclsPage);
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(fx.networkInterfacesPage);
    ec2Mock.on(DescribeSubnetsCommand).resolves(fx.subnetsPage);
    ec2Mock.on(DescribeVpcsCommand).resolves(fx.vpcsPage);
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolves(fx.prefixListsPage);
    ec2Mock
      .on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0123456789abcdef0' })
      .resolvesOnce(fx.prefixListEntryPages[0])
      .resolvesOnce(fx.prefixListEntryPages[1]);
    ec2Mock.on(DescribeVpcPeeringConnectionsCommand).resolves(fx.peeringPage);
    ec2Mock.on(DescribeStaleSecurityGroupsCommand).resolves(fx.staleSecurityGroupsPage);
    ec2Mock.on(DescribeFlowLogsCommand).resolves(fx.flowLogsPage);
    ec2Mock.on(DescribeRouteTablesCommand).resolvesOnce(fx.routeTablePages[0]).resolvesOnce(fx.routeTablePages[1]);
    ec2Mock.on(DescribeTransitGatewaysCommand).resolvesOnce(fx.transitGatewayPages[0]).resolvesOnce(fx.transitGatewayPages[1]);
    ec2Mock
      .on(DescribeTransitGatewayVpcAttachmentsCommand)
      .resolvesOnce(fx.transitGatewayVpcAttachmentPages[0])
      .resolvesOnce(fx.transitGatewayVpcAttachmentPages[1]);
  });

  afterEach(() => {
    ec2Mock.reset();
    quotasMock.reset();
  });

  it('follows NextToken through every page of DescribeSecurityGroups', async () => {
    // The paginator reuses one input object, so copy each input as it is sent.
    const sent: Record<string, unknown>[] = [];
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake((input) => {
      sent.push({ ...input });
      return fx.securityGroupPages[sent.length - 1];
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot.SecurityGroups?.map((g) => g.GroupId)).toEqual(['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002']);
    expect(sent).toEqual([
      { MaxResults: 1000 },
      { MaxResults: 1000, NextToken: 'token-sg-2' },
      { MaxResults: 1000, NextToken: 'token-sg-3' },
    ]);
  });

  it('produces exactly the snapshot contract: API members, PascalCase, no $metadata', async () => {
    const snapshot = await snapshotter.snapshot(target);
    expect(Object.keys(snapshot).sort()).toEqual([
      'FlowLogs',
      'ManagedPrefixLists',
      'NetworkAcls',
      'NetworkInterfaces',
      'PrefixListEntries',
      'RouteTables',
      'SecurityGroupRules',
      'SecurityGroups',
      'ServiceQuotas',
      'StaleSecurityGroupSet',
      'Subnets',
      'TransitGatewayVpcAttachments',
      'TransitGateways',
      'VpcPeeringConnections',
      'Vpcs',
    ]);
    expect(JSON.stringify(snapshot)).not.toContain('$metadata');
    expect(snapshot.NetworkAcls?.[0].Entries?.map((e) => e.RuleNumber)).toEqual([100, 32767, 32768, 100, 32767]);
    expect(snapshot.NetworkAcls?.[0].Entries?.[2]).toEqual({
      RuleNumber: 32768,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: false,
      Ipv6CidrBlock: '::/0',
    });
    expect(snapshot.SecurityGroupRules).toEqual(fx.securityGroupRulesPage.SecurityGroupRules);
    expect(snapshot.VpcPeeringConnections?.[0]).not.toHaveProperty('ExpirationTime');
  });

  it('collects every page of each prefix list into PrefixListEntries', async () => {
    const sent: Record<string, unknown>[] = [];
    ec2Mock.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0123456789abcdef0' }).callsFake((input) => {
      sent.push({ ...input });
      return fx.prefixListEntryPages[sent.length - 1];
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot.PrefixListEntries).toEqual({
      'pl-0123456789abcdef0': [
        { Cidr: '192.0.2.0/24', Description: 'office A' },
        { Cidr: '198.51.100.0/24', Description: 'office B' },
      ],
    });
    expect(sent).toEqual([
      { PrefixListId: 'pl-0123456789abcdef0', MaxResults: 100 },
      { PrefixListId: 'pl-0123456789abcdef0', MaxResults: 100, NextToken: 'token-ple-2' },
    ]);
  });

  it('serialises as-is: dates become ISO strings and a JSON round trip changes nothing', async () => {
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot.FlowLogs?.[0]).toMatchObject({ CreationTime: '2024-01-02T03:04:05.000Z', TrafficType: 'ALL' });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('turns a VPC scope into EC2 Filters, with DescribeFlowLogs using its own `Filter` member', async () => {
    await snapshotter.snapshot({ ...target, vpcIds: ['vpc-0abc'] });
    const input = (cmd: Parameters<typeof ec2Mock.commandCalls>[0]) =>
      ec2Mock.commandCalls(cmd)[0].args[0].input as Record<string, unknown>;
    expect(input(DescribeSecurityGroupsCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    expect(input(DescribeNetworkInterfacesCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    expect(input(DescribeSecurityGroupRulesCommand).Filters).toEqual([
      { Name: 'group-id', Values: ['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002'] },
    ]);
    expect(input(DescribeFlowLogsCommand).Filter).toEqual([{ Name: 'resource-id', Values: ['vpc-0abc', 'subnet-0a', 'eni-0a1'] }]);
    expect(input(DescribeRouteTablesCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    // Attachments by VPC; transit gateways are not a VPC's, and an account has few of them.
    expect(input(DescribeTransitGatewayVpcAttachmentsCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    expect(input(DescribeTransitGatewaysCommand)).not.toHaveProperty('Filters');
    const peeringFilters = ec2Mock.commandCalls(DescribeVpcPeeringConnectionsCommand).map((c) => c.args[0].input.Filters);
    expect(peeringFilters).toEqual([
      [{ Name: 'requester-vpc-info.vpc-id', Values: ['vpc-0abc'] }],
      [{ Name: 'accepter-vpc-info.vpc-id', Values: ['vpc-0abc'] }],
    ]);
  });

  it('derives the VPCs from a subnet scope and filters ENIs and NACLs by subnet', async () => {
    const snapshot = await snapshotter.snapshot({ ...target, subnetIds: ['subnet-0a'] });
    const first = (cmd: Parameters<typeof ec2Mock.commandCalls>[0]) =>
      ec2Mock.commandCalls(cmd)[0].args[0].input as Record<string, unknown>;
    expect(first(DescribeSubnetsCommand).Filters).toEqual([{ Name: 'subnet-id', Values: ['subnet-0a'] }]);
    expect(first(DescribeVpcsCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    expect(first(DescribeNetworkAclsCommand).Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-0abc'] },
      { Name: 'association.subnet-id', Values: ['subnet-0a'] },
    ]);
    expect(first(DescribeNetworkInterfacesCommand).Filters).toEqual([{ Name: 'subnet-id', Values: ['subnet-0a'] }]);
    // By VPC, not `association.subnet-id`: a subnet without an explicit association uses the main table, which names no subnet.
    expect(first(DescribeRouteTablesCommand).Filters).toEqual([{ Name: 'vpc-id', Values: ['vpc-0abc'] }]);
    expect(snapshot.VpcPeeringConnections).toHaveLength(1);
  });

  it('reads nothing VPC-scoped when the subnets in scope do not exist', async () => {
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    const snapshot = await snapshotter.snapshot({ ...target, subnetIds: ['subnet-gone'] });
    expect(snapshot.SecurityGroups).toEqual([]);
    expect(ec2Mock.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeRouteTablesCommand)).toHaveLength(0);
    expect(snapshot.RouteTables).toEqual([]);
    expect(ec2Mock.commandCalls(DescribeTransitGatewayVpcAttachmentsCommand)).toHaveLength(0);
    expect(snapshot.TransitGatewayVpcAttachments).toEqual([]);
  });

  it('splits filters with more than 200 values into several calls', async () => {
    const vpcIds = Array.from({ length: 450 }, (_, i) => `vpc-${i}`);
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2Mock.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    await snapshotter.snapshot({ ...target, vpcIds });
    const sizes = ec2Mock.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input.Filters?.[0].Values?.length);
    expect(sizes).toEqual([200, 200, 50]);
    expect(ec2Mock.commandCalls(DescribeRouteTablesCommand).map((c) => c.args[0].input.Filters?.[0].Values?.length)).toEqual([
      200, 200, 50,
    ]);
    expect(
      ec2Mock.commandCalls(DescribeTransitGatewayVpcAttachmentsCommand).map((c) => c.args[0].input.Filters?.[0].Values?.length),
    ).toEqual([200, 200, 50]);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow =
      <T>(value: T) =>
      async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        return value;
      };
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake(slow({ SecurityGroups: [] }));
    ec2Mock.on(DescribeVpcsCommand).callsFake(slow(fx.vpcsPage));
    ec2Mock.on(DescribeNetworkAclsCommand).callsFake(slow(fx.networkAclsPage));
    ec2Mock.on(DescribeNetworkInterfacesCommand).callsFake(slow(fx.networkInterfacesPage));
    ec2Mock.on(DescribeManagedPrefixListsCommand).callsFake(slow({ PrefixLists: [] }));
    ec2Mock.on(DescribeVpcPeeringConnectionsCommand).callsFake(slow({ VpcPeeringConnections: [] }));
    await snapshotter.snapshot(target);
    expect(peak).toBe(2);
  });

  it('fails naming the call when EC2 gives back a NextToken it gave before, instead of reading the same page forever', async () => {
    let calls = 0;
    ec2Mock.on(DescribeVpcsCommand).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same page was asked for again and again');
      return { ...fx.vpcsPage, NextToken: 'token-vpc-2' };
    });
    const error = await snapshotter.snapshot(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAdapterError);
    expect(error).toMatchObject({ code: 'AWS.UNEXPECTED_RESPONSE', details: { operation: 'ec2:DescribeVpcs', page: 2 } });
    expect(calls).toBe(2);
  });

  it('fails on a token cycle of several pages too (A → B → A)', async () => {
    let calls = 0;
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same pages were asked for again and again');
      return { SecurityGroups: [], NextToken: calls % 2 === 1 ? 'token-a' : 'token-b' };
    });
    await expect(snapshotter.snapshot(target)).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'ec2:DescribeSecurityGroups', page: 3 },
    });
    expect(calls).toBe(3);
  });

  it('reads every page of DescribeRouteTables (MaxResults 100) into RouteTables, as EC2 describes them', async () => {
    const sent: Record<string, unknown>[] = [];
    ec2Mock.on(DescribeRouteTablesCommand).callsFake((input) => {
      sent.push({ ...input });
      return fx.routeTablePages[sent.length - 1];
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(sent).toEqual([{ MaxResults: 100 }, { MaxResults: 100, NextToken: 'token-rtb-2' }]);
    expect(snapshot.RouteTables?.map((t) => t.RouteTableId)).toEqual(['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002']);
    expect(snapshot.RouteTables?.[0].Associations).toEqual([
      {
        Main: true,
        RouteTableAssociationId: 'rtbassoc-0a1b2c3d4e5f60001',
        RouteTableId: 'rtb-0a1b2c3d4e5f60001',
        AssociationState: { State: 'associated' },
      },
    ]);
    expect(snapshot.RouteTables?.[1].Routes).toEqual(fx.routeTablePages[1].RouteTables?.[0].Routes);
    expect(snapshot).not.toHaveProperty('NotRead');
  });

  const refusal = (name: string) =>
    Object.assign(new Error('You are not authorized to perform this operation.'), {
      name,
      $fault: 'client',
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });

  it('when DescribeRouteTables is refused, takes the snapshot without RouteTables and names the refusal in NotRead', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).rejects(refusal('UnauthorizedOperation'));
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot).not.toHaveProperty('RouteTables');
    expect(snapshot.NotRead).toEqual([
      {
        Member: 'RouteTables',
        Action: 'ec2:DescribeRouteTables',
        AccountId: '111122223333',
        Region: 'eu-west-1',
        ErrorCode: 'UnauthorizedOperation',
      },
    ]);
    // Everything else is read as before.
    expect(snapshot.SecurityGroups).toHaveLength(2);
    expect(snapshot.NetworkInterfaces).toHaveLength(1);
  });

  it('reads DescribeStaleSecurityGroups for each VPC read (MaxResults 255) into StaleSecurityGroupSet, as EC2 lists the stale rules', async () => {
    const sent: Record<string, unknown>[] = [];
    ec2Mock.on(DescribeStaleSecurityGroupsCommand).callsFake((input) => {
      sent.push({ ...input });
      return fx.staleSecurityGroupsPage;
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(sent).toEqual([{ VpcId: 'vpc-0abc', MaxResults: 255 }]);
    expect(snapshot.StaleSecurityGroupSet).toEqual([
      {
        GroupId: 'sg-0a1b2c3d4e5f60001',
        GroupName: 'web',
        Description: 'web tier',
        VpcId: 'vpc-0abc',
        StaleIpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [],
            PrefixListIds: [],
            UserIdGroupPairs: [
              { GroupId: 'sg-0def0000000000001', VpcId: 'vpc-0def', VpcPeeringConnectionId: 'pcx-0abc', PeeringStatus: 'active' },
            ],
          },
        ],
        StaleIpPermissionsEgress: [],
      },
    ]);
  });

  it('when DescribeStaleSecurityGroups is refused (a role granted before sgdoctor read it), takes the snapshot without it and names the refusal in NotRead', async () => {
    ec2Mock.on(DescribeStaleSecurityGroupsCommand).rejects(refusal('UnauthorizedOperation'));
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot).not.toHaveProperty('StaleSecurityGroupSet');
    expect(snapshot.NotRead).toEqual([
      {
        Member: 'StaleSecurityGroupSet',
        Action: 'ec2:DescribeStaleSecurityGroups',
        AccountId: '111122223333',
        Region: 'eu-west-1',
        ErrorCode: 'UnauthorizedOperation',
      },
    ]);
    expect(snapshot.SecurityGroups).toHaveLength(2);
  });

  it('reads every page of DescribeTransitGateways and DescribeTransitGatewayVpcAttachments, as EC2 describes them', async () => {
    const sent: Record<string, Record<string, unknown>[]> = { tgw: [], attachments: [] };
    ec2Mock.on(DescribeTransitGatewaysCommand).callsFake((input) => {
      sent.tgw.push({ ...input });
      return fx.transitGatewayPages[sent.tgw.length - 1];
    });
    ec2Mock.on(DescribeTransitGatewayVpcAttachmentsCommand).callsFake((input) => {
      sent.attachments.push({ ...input });
      return fx.transitGatewayVpcAttachmentPages[sent.attachments.length - 1];
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(sent).toEqual({
      tgw: [{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'token-tgw-2' }],
      attachments: [{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'token-tgw-attach-2' }],
    });
    expect(
      snapshot.TransitGateways?.map((g) => [g.TransitGatewayId, g.OwnerId, g.State, g.Options?.SecurityGroupReferencingSupport]),
    ).toEqual([
      ['tgw-0a1b2c3d4e5f60001', '111122223333', 'available', 'enable'],
      ['tgw-0a1b2c3d4e5f60002', '444455556666', 'available', 'disable'],
    ]);
    expect(snapshot.TransitGateways?.[0]).toMatchObject({
      CreationTime: '2024-05-02T08:00:00.000Z',
      Tags: [{ Key: 'Name', Value: 'hub' }],
    });
    expect(snapshot.TransitGatewayVpcAttachments).toEqual([
      { ...fx.transitGatewayVpcAttachmentPages[0].TransitGatewayVpcAttachments?.[0], CreationTime: '2024-05-02T08:10:00.000Z' },
      { ...fx.transitGatewayVpcAttachmentPages[1].TransitGatewayVpcAttachments?.[0], CreationTime: '2024-06-01T08:10:00.000Z' },
    ]);
    expect(snapshot).not.toHaveProperty('NotRead');
  });

  it.each(['UnauthorizedOperation', 'AccessDenied'])(
    'when both transit gateway calls are refused (%s), takes the snapshot without them and names each refusal in NotRead',
    async (code) => {
      ec2Mock.on(DescribeTransitGatewaysCommand).rejects(refusal(code));
      ec2Mock.on(DescribeTransitGatewayVpcAttachmentsCommand).rejects(refusal(code));
      const snapshot = await snapshotter.snapshot(target);
      expect(snapshot).not.toHaveProperty('TransitGateways');
      expect(snapshot).not.toHaveProperty('TransitGatewayVpcAttachments');
      expect(snapshot.NotRead).toEqual([
        {
          Member: 'TransitGateways',
          Action: 'ec2:DescribeTransitGateways',
          AccountId: '111122223333',
          Region: 'eu-west-1',
          ErrorCode: code,
        },
        {
          Member: 'TransitGatewayVpcAttachments',
          Action: 'ec2:DescribeTransitGatewayVpcAttachments',
          AccountId: '111122223333',
          Region: 'eu-west-1',
          ErrorCode: code,
        },
      ]);
      expect(snapshot.RouteTables).toHaveLength(2);
      expect(snapshot.SecurityGroups).toHaveLength(2);
    },
  );

  it('a refusal of one call leaves out only its member, beside a refusal of route tables', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).rejects(refusal('UnauthorizedOperation'));
    ec2Mock.on(DescribeTransitGatewayVpcAttachmentsCommand).rejects(refusal('AccessDenied'));
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot.TransitGateways).toHaveLength(2);
    expect(snapshot).not.toHaveProperty('TransitGatewayVpcAttachments');
    expect(snapshot.NotRead?.map((n) => [n.Member, n.ErrorCode])).toEqual([
      ['RouteTables', 'UnauthorizedOperation'],
      ['TransitGatewayVpcAttachments', 'AccessDenied'],
    ]);
  });

  it('any other failure of a transit gateway call fails the read, naming the call', async () => {
    ec2Mock
      .on(DescribeTransitGatewaysCommand)
      .rejects(Object.assign(new Error('An internal error has occurred'), { name: 'InternalError', $fault: 'server' }));
    await expect(snapshotter.snapshot(target)).rejects.toMatchObject({
      name: 'InternalError',
      message: 'ec2:DescribeTransitGateways (account 111122223333, eu-west-1): An internal error has occurred',
    });
  });

  it('any other failure of DescribeRouteTables fails the read, naming the call', async () => {
    ec2Mock
      .on(DescribeRouteTablesCommand)
      .rejects(
        Object.assign(new Error('AWS was not able to validate the provided access credentials'), { name: 'AuthFailure', $fault: 'client' }),
      );
    await expect(snapshotter.snapshot(target)).rejects.toMatchObject({
      name: 'AuthFailure',
      message: 'ec2:DescribeRouteTables (account 111122223333, eu-west-1): AWS was not able to validate the provided access credentials',
    });
  });

  /** GetServiceQuota answered per quota code: an answer, or an error thrown; the quotas not named as for an account at EC2's defaults. */
  const answerQuotas = (answers: Partial<Record<string, GetServiceQuotaCommandOutput | Error>>) =>
    quotasMock.on(GetServiceQuotaCommand).callsFake(async (input: { QuotaCode?: string }) => {
      const answer = answers[input.QuotaCode ?? ''];
      if (answer instanceof Error) throw answer;
      return answer ?? ruleQuotasResponse(input, { region: 'eu-west-1' });
    });
  /** GetServiceQuota giving the quota without its value, its ErrorReason instead. */
  const withoutValue = (response: GetServiceQuotaCommandOutput): GetServiceQuotaCommandOutput => {
    const { Value: _value, ...quota } = response.Quota ?? {};
    return {
      ...response,
      Quota: {
        ...quota,
        ErrorReason: { ErrorCode: 'SERVICE_QUOTA_NOT_AVAILABLE_ERROR', ErrorMessage: 'The quota value is not available.' },
      },
    };
  };
  const GROUP = RULES_PER_GROUP_QUOTA.QuotaCode;
  const NACL = RULES_PER_NETWORK_ACL_QUOTA.QuotaCode;

  it('reads the account’s rule quotas in the region (GetServiceQuota vpc L-0EA8095F and L-2AEEBF1A) into ServiceQuotas, as Service Quotas gives them', async () => {
    answerQuotas({
      [GROUP]: ruleQuotaResponse(200, { region: 'eu-west-1' }),
      [NACL]: networkAclRuleQuotaResponse(40, { region: 'eu-west-1' }),
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(quotasMock.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' },
      { ServiceCode: 'vpc', QuotaCode: 'L-2AEEBF1A' },
    ]);
    expect(snapshot.ServiceQuotas).toEqual([ruleQuotaOf(200, { region: 'eu-west-1' }), networkAclRuleQuotaOf(40, { region: 'eu-west-1' })]);
    expect(snapshot).not.toHaveProperty('NotRead');
  });

  it('asks for both quotas at once: neither waits for the other’s answer', async () => {
    let inFlight = 0;
    let most = 0;
    quotasMock.on(GetServiceQuotaCommand).callsFake(async (input: { QuotaCode?: string }) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return ruleQuotasResponse(input, { region: 'eu-west-1' });
    });
    const snapshot = await snapshotter.snapshot(target);
    expect(most).toBe(2);
    expect(snapshot.ServiceQuotas?.map((q) => q.QuotaCode)).toEqual(['L-0EA8095F', 'L-2AEEBF1A']);
  });

  it('beside a refused DescribeRouteTables, the refused quotas are named after it, each by its code', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).rejects(refusal('UnauthorizedOperation'));
    quotasMock
      .on(GetServiceQuotaCommand)
      .rejects(new AccessDeniedException({ message: 'You do not have sufficient access to perform this action.', $metadata: {} }));
    const snapshot = await snapshotter.snapshot(target);
    expect(snapshot.NotRead?.map((n) => [n.Member, n.Action, n.QuotaCode, n.ErrorCode])).toEqual([
      ['RouteTables', 'ec2:DescribeRouteTables', undefined, 'UnauthorizedOperation'],
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-0EA8095F', 'AccessDeniedException'],
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-2AEEBF1A', 'AccessDeniedException'],
    ]);
    expect(snapshot).not.toHaveProperty('ServiceQuotas');
  });

  /** Every way a GetServiceQuota can fail but a cancellation: the answer (or error) for `code`, and the code NotRead names. */
  const quotaFailures: [string, (code: string) => GetServiceQuotaCommandOutput | Error, string][] = [
    [
      'refused (a role granted before sgdoctor asked for it)',
      () =>
        new AccessDeniedException({
          message: 'You do not have sufficient access to perform this action.',
          $metadata: { httpStatusCode: 400 },
        }),
      'AccessDeniedException',
    ],
    [
      'without a value to give in the Region',
      () =>
        new NoSuchResourceException({
          message: 'The request failed because the specified service quota does not exist.',
          $metadata: { httpStatusCode: 400 },
        }),
      'NoSuchResourceException',
    ],
    [
      'given without its value (ErrorReason instead)',
      (code) => withoutValue(ruleQuotasResponse({ QuotaCode: code }, { region: 'eu-west-1' })),
      'SERVICE_QUOTA_NOT_AVAILABLE_ERROR',
    ],
    [
      'still throttled once the SDK’s retries are spent',
      () =>
        new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400, attempts: 3, totalRetryDelay: 900 } }),
      'TooManyRequestsException',
    ],
    [
      'a server error',
      () => new ServiceException({ message: 'Something went wrong.', $metadata: { httpStatusCode: 500, attempts: 3 } }),
      'ServiceException',
    ],
    [
      'out of reach (a private subnet with an endpoint for EC2 only)',
      () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:443'), { code: 'ECONNREFUSED' }),
      'ECONNREFUSED',
    ],
    [
      'out of reach, its name not even resolved (a network without DNS to it)',
      () => Object.assign(new Error('getaddrinfo EAI_AGAIN servicequotas.eu-west-1.amazonaws.com'), { code: 'EAI_AGAIN' }),
      'EAI_AGAIN',
    ],
  ];

  it.each(quotaFailures)(
    'the security-group quota %s: the read goes on without it, names it in NotRead, and keeps the network ACL quota',
    async (_case, fail, code) => {
      answerQuotas({ [GROUP]: fail(GROUP), [NACL]: networkAclRuleQuotaResponse(40, { region: 'eu-west-1' }) });
      const snapshot = await snapshotter.snapshot(target);
      expect(snapshot.ServiceQuotas).toEqual([networkAclRuleQuotaOf(40, { region: 'eu-west-1' })]);
      expect(snapshot.NotRead).toEqual([ruleQuotaNotRead(code)]);
      expect(snapshot.SecurityGroups).toHaveLength(2);
      expect(snapshot.RouteTables).toHaveLength(2);
    },
  );

  it.each(quotaFailures)(
    'the network ACL quota %s: the read goes on without it, names it in NotRead, and keeps the security-group quota',
    async (_case, fail, code) => {
      answerQuotas({ [GROUP]: ruleQuotaResponse(200, { region: 'eu-west-1' }), [NACL]: fail(NACL) });
      const snapshot = await snapshotter.snapshot(target);
      expect(snapshot.ServiceQuotas).toEqual([ruleQuotaOf(200, { region: 'eu-west-1' })]);
      expect(snapshot.NotRead).toEqual([networkAclRuleQuotaNotRead(code)]);
      expect(snapshot.SecurityGroups).toHaveLength(2);
    },
  );

  it.each(quotaFailures)(
    'both quotas %s: the quotas only refine the fixes, so the read goes on without them and names each in NotRead',
    async (_case, fail, code) => {
      answerQuotas({ [GROUP]: fail(GROUP), [NACL]: fail(NACL) });
      const snapshot = await snapshotter.snapshot(target);
      expect(snapshot).not.toHaveProperty('ServiceQuotas');
      expect(snapshot.NotRead).toEqual([ruleQuotaNotRead(code), networkAclRuleQuotaNotRead(code)]);
      expect(snapshot.SecurityGroups).toHaveLength(2);
      expect(snapshot.RouteTables).toHaveLength(2);
    },
  );

  it.each([
    ['security-group', 'L-0EA8095F'],
    ['network ACL', 'L-2AEEBF1A'],
  ])('a cancelled GetServiceQuota of the %s quota cancels the read', async (_quota, code) => {
    answerQuotas({ [code]: Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }) });
    await expect(snapshotter.snapshot(target)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('checks the quota Service Quotas returned against the snapshot contract too', async () => {
    answerQuotas({ [GROUP]: { ...ruleQuotaResponse(0), Quota: { ...ruleQuotaOf(0), Value: 0 } } });
    const error = await snapshotter.snapshot(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotValidationError);
    expect((error as SnapshotValidationError).message).toMatch(
      /^ServiceQuotas\[0\]\.Value: .*\(as Service Quotas described it in account 111122223333, eu-west-1\)$/,
    );
  });

  it('checks what EC2 returned against the snapshot contract, naming the member, account and region', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [{ RouteTableId: 'rtb-0a1', Routes: [{ DestinationCidrBlock: '10.0.0.0/33', GatewayId: 'local' }] }],
    });
    const error = await snapshotter.snapshot(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotValidationError);
    expect((error as SnapshotValidationError).message).toBe(
      'RouteTables[0].Routes[0].DestinationCidrBlock: expected an IPv4 CIDR block (as EC2 described it in account 111122223333, eu-west-1)',
    );
  });
});

/**
 * A scope some of whose ids EC2 still describes is analysed over what exists (a VPC or subnet
 * deleted since the scope was written must not stop every analysis); a scope none of whose ids EC2
 * describes is a mistake (an id mistyped, the wrong account or region) and fails, naming them.
 */
describe('checkScopeDescribed', () => {
  const snapshot = {
    Vpcs: [{ VpcId: 'vpc-0abc' }],
    Subnets: [{ SubnetId: 'subnet-0a', VpcId: 'vpc-0abc' }],
  } as unknown as NetworkSnapshot;
  const where = { accountIds: ['111122223333'], regions: ['eu-west-1'] };

  it.each([
    { scope: {}, missing: null },
    { scope: { vpcIds: ['vpc-0abc'], subnetIds: ['subnet-0a'] }, missing: null },
    { scope: { vpcIds: ['vpc-0abc', 'vpc-0gone'] }, missing: { vpcIds: ['vpc-0gone'], subnetIds: [] } },
    { scope: { subnetIds: ['subnet-0a', 'subnet-0gone', 'subnet-0gone'] }, missing: { vpcIds: [], subnetIds: ['subnet-0gone'] } },
    { scope: { vpcIds: ['vpc-0gone'], subnetIds: ['subnet-0a'] }, missing: { vpcIds: ['vpc-0gone'], subnetIds: [] } },
    { scope: { vpcIds: ['vpc-0abc'], subnetIds: ['subnet-0gone'] }, missing: { vpcIds: [], subnetIds: ['subnet-0gone'] } },
  ])('with $scope described in part or in full, returns what is missing: $missing', ({ scope, missing }) => {
    expect(checkScopeDescribed(snapshot, scope, where)).toEqual(missing);
  });

  it('fails as before when no id of the scope is described, naming them with the account and region', () => {
    const check = () => checkScopeDescribed(snapshot, { vpcIds: ['vpc-0gone'], subnetIds: ['subnet-0gone'] }, where);
    expect(check).toThrow(AwsAdapterError);
    expect(check).toThrow(
      "the target's scope names vpc-0gone, subnet-0gone, which EC2 does not describe in account 111122223333, eu-west-1: check the ids and the target's region, or take them out of the scope",
    );
    const error = (() => {
      try {
        check();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({
      code: 'AWS.INVALID_CONFIGURATION',
      details: { accountIds: ['111122223333'], regions: ['eu-west-1'], vpcIds: ['vpc-0gone'], subnetIds: ['subnet-0gone'] },
    });
  });

  it('fails for an empty snapshot too, which describes nothing of any scope', () => {
    expect(() => checkScopeDescribed({} as NetworkSnapshot, { vpcIds: ['vpc-0abc'] }, where)).toThrow(
      /names vpc-0abc, which EC2 does not describe/,
    );
  });
});
