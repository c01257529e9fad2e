import {
  DescribeRouteTablesCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  AccessDeniedException,
  ListAccountsCommand,
  type ListAccountsCommandOutput,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  AccessDeniedException as QuotaAccessDeniedException,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
  TooManyRequestsException,
} from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import type { AwsTarget } from '../../../src/aws/aws-target';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { listOrganizationAccounts } from '../../../src/aws/organization-accounts';
import { OrganizationSnapshotter } from '../../../src/aws/organization-snapshotter';
import { EC2_LIST_CALLS } from '../../support/aws/aws-mocked-account';
import { ruleQuotasResponse } from '../../support/aws/service-quotas-responses';
import { networkAclRuleQuotaOf, ruleQuotaOf } from '../../support/factories/service-quota';
import {
  routeTablePages,
  subnetsPage,
  transitGatewayPages,
  transitGatewayVpcAttachmentPages,
  vpcsPage,
} from '../../support/aws/ec2-responses';

const meta = (requestId: string) => ({ $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } });

/** ListAccounts pages as Organizations returns them: `State` beside the older `Status`. */
const accountPages: ListAccountsCommandOutput[] = [
  {
    ...meta('list-1'),
    Accounts: [
      {
        Id: '222222222222',
        Arn: 'arn:aws:organizations::999999999999:account/o-exampleorgid/222222222222',
        Email: 'payments@example.com',
        Name: 'payments',
        State: 'ACTIVE',
        Status: 'ACTIVE',
        JoinedMethod: 'CREATED',
        JoinedTimestamp: new Date('2023-02-01T10:00:00Z'),
      },
      {
        Id: '333333333333',
        Arn: 'arn:aws:organizations::999999999999:account/o-exampleorgid/333333333333',
        Email: 'old@example.com',
        Name: 'old',
        State: 'SUSPENDED',
        Status: 'SUSPENDED',
        JoinedMethod: 'INVITED',
        JoinedTimestamp: new Date('2021-06-01T10:00:00Z'),
      },
    ],
    NextToken: 'accounts-2',
  },
  {
    ...meta('list-2'),
    Accounts: [
      {
        Id: '111111111111',
        Arn: 'arn:aws:organizations::999999999999:account/o-exampleorgid/111111111111',
        Email: 'shop@example.com',
        Name: 'shop',
        Status: 'ACTIVE',
        JoinedMethod: 'CREATED',
        JoinedTimestamp: new Date('2022-01-01T10:00:00Z'),
      },
      {
        Id: '444444444444',
        Arn: 'arn:aws:organizations::999999999999:account/o-exampleorgid/444444444444',
        Email: 'closing@example.com',
        Name: 'closing',
        State: 'PENDING_CLOSURE',
        Status: 'SUSPENDED',
        JoinedMethod: 'CREATED',
        JoinedTimestamp: new Date('2022-03-01T10:00:00Z'),
      },
    ],
  },
];

describe('listOrganizationAccounts', () => {
  const organizations = mockClient(OrganizationsClient);
  const client = new OrganizationsClient({ region: 'us-east-1' });

  beforeEach(() => organizations.reset());
  afterEach(() => organizations.reset());

  it('follows NextToken and tells the ACTIVE accounts from the others, by State or else by the older Status', async () => {
    // The paginator reuses one input object, so copy each input as it is sent.
    const sent: Array<string | undefined> = [];
    organizations.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) => {
      sent.push(input.NextToken);
      return accountPages[sent.length - 1];
    });
    expect(await listOrganizationAccounts(client)).toEqual({
      active: [
        { id: '111111111111', name: 'shop' },
        { id: '222222222222', name: 'payments' },
      ],
      inactive: [
        { id: '333333333333', name: 'old', state: 'SUSPENDED' },
        { id: '444444444444', name: 'closing', state: 'PENDING_CLOSURE' },
      ],
    });
    expect(sent).toEqual([undefined, 'accounts-2']);
  });

  it('fails naming ListAccounts when a NextToken comes back a second time, instead of listing forever', async () => {
    let calls = 0;
    organizations.on(ListAccountsCommand).callsFake(() => {
      calls += 1;
      if (calls > 10) throw new Error('the same page was asked for again and again');
      return { ...accountPages[1], NextToken: 'accounts-2' };
    });
    await expect(listOrganizationAccounts(client)).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'organizations:ListAccounts', page: 2 },
    });
    expect(calls).toBe(2);
  });

  it('AccessDeniedException (not the management account) is a configuration error that says what to do', async () => {
    organizations.on(ListAccountsCommand).rejects(
      new AccessDeniedException({
        message: 'You don’t have permissions to access this resource.',
        $metadata: { httpStatusCode: 400, requestId: 'denied-1' },
      }),
    );
    const error = await listOrganizationAccounts(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAdapterError);
    expect(error).toMatchObject({ code: 'AWS.INVALID_CONFIGURATION', details: { name: 'AccessDeniedException' } });
    expect((error as Error).message).toMatch(/organizations:ListAccounts.*configSource\.accounts/);
  });
});

describe('OrganizationSnapshotter', () => {
  const ec2 = mockClient(EC2Client);
  const quotas = mockClient(ServiceQuotasClient);
  const organizations = mockClient(OrganizationsClient);
  const clients = new Map<string, EC2Client>();
  const clientOf = (target: AwsTarget) => {
    const key = `${target.accountId}|${target.region}`;
    if (!clients.has(key)) clients.set(key, new EC2Client({ region: target.region }));
    return clients.get(key)!;
  };
  const quotaClients = new Map<string, ServiceQuotasClient>();
  const quotasOf = (target: AwsTarget) => {
    const key = `${target.accountId}|${target.region}`;
    if (!quotaClients.has(key)) quotaClients.set(key, new ServiceQuotasClient({ region: target.region }));
    return quotaClients.get(key)!;
  };
  /** The member account and region a Service Quotas client was built for. */
  const memberOf = (client: ServiceQuotasClient) => [...quotaClients].find(([, c]) => c === client)?.[0].split('|') ?? [];
  const snapshotter = new OrganizationSnapshotter(new Ec2Snapshotter({ ec2: clientOf, serviceQuotas: quotasOf }), {
    organizations: () => new OrganizationsClient({ region: 'us-east-1' }),
  });
  const DENIED = '222222222222';

  beforeEach(() => {
    ec2.reset();
    quotas.reset();
    organizations.reset();
    // Every member at EC2's defaults, as Service Quotas gives them for an account that never raised them.
    quotas.on(GetServiceQuotaCommand).callsFake((input: { QuotaCode?: string }, getClient: () => ServiceQuotasClient) => {
      const [account, region] = memberOf(getClient());
      return ruleQuotasResponse(input, { account, region });
    });
    // An account with nothing but one VPC and its subnet.
    for (const [command, member] of EC2_LIST_CALLS) ec2.on(command).resolves({ ...meta(`empty-${member}`), [member]: [] });
    ec2.on(DescribeStaleSecurityGroupsCommand).resolves({ ...meta('empty-StaleSecurityGroupSet'), StaleSecurityGroupSet: [] });
    ec2.on(DescribeVpcsCommand).resolves(vpcsPage);
    ec2.on(DescribeSubnetsCommand).callsFake((_input, getClient: () => EC2Client) => {
      if (getClient() === clientOf({ accountId: DENIED, region: 'eu-west-1' })) {
        throw Object.assign(new Error('You are not authorized to perform this operation.'), {
          name: 'UnauthorizedOperation',
          $fault: 'client',
          $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000003', attempts: 1 },
        });
      }
      return subnetsPage;
    });
  });
  afterEach(() => {
    ec2.reset();
    quotas.reset();
    organizations.reset();
  });

  it('names the accounts the organisation lists as not active, in every region, without reading them', async () => {
    let page = 0;
    organizations.on(ListAccountsCommand).callsFake(() => accountPages[page++]);
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: null,
      regions: ['eu-west-1', 'us-east-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    const skipped = result.members.filter((m) => m.status === 'skipped');
    expect(skipped).toEqual(
      ['333333333333|SUSPENDED', '444444444444|PENDING_CLOSURE'].flatMap((entry) => {
        const [accountId, state] = entry.split('|');
        return ['eu-west-1', 'us-east-1'].map((region) => ({
          accountId,
          region,
          status: 'skipped',
          error: { code: state, message: `the organisation lists the account as ${state}: it has no configuration to read` },
        }));
      }),
    );
    // Only the active accounts were read (the one refused in eu-west-1 named as failed).
    expect(result.members.filter((m) => m.status !== 'skipped').map((m) => `${m.accountId} ${m.region} ${m.status}`)).toEqual([
      '111111111111 eu-west-1 read',
      '111111111111 us-east-1 read',
      '222222222222 eu-west-1 failed',
      '222222222222 us-east-1 read',
    ]);
  });

  it('leaves out a member whose calls are refused, naming the account, the region and the refused action', async () => {
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: ['111111111111', DENIED],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(result.members).toEqual([
      { accountId: '111111111111', region: 'eu-west-1', status: 'read', interfaces: 0, securityGroups: 0, networkAcls: 0 },
      {
        accountId: DENIED,
        region: 'eu-west-1',
        status: 'failed',
        error: {
          code: 'UnauthorizedOperation',
          message: 'ec2:DescribeSubnets (account 222222222222, eu-west-1): You are not authorized to perform this operation.',
        },
      },
    ]);
    expect(result.snapshot.Subnets?.map((s) => s.SubnetId)).toEqual(['subnet-0a']);
  });

  it('with every member read, a scope of ids no member describes fails the read, naming them; with a member unread they may be there', async () => {
    const request = {
      central: { accountId: '999999999999', region: 'eu-west-1' },
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
      vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'],
    };
    // Each member describes vpc-0abc and subnet-0a, whatever the filters: none has the other VPC.
    const error = await snapshotter.snapshot({ ...request, accounts: ['111111111111', '333333333333'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAdapterError);
    expect(error).toMatchObject({ code: 'AWS.INVALID_CONFIGURATION', details: { vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'], subnetIds: [] } });
    expect((error as Error).message).toBe(
      "the target's scope names vpc-0e1f2a3b4c5d6e7f8, which EC2 does not describe in any member account (111111111111, 333333333333) in eu-west-1: check the ids, the accounts and the regions, or take them out of the scope",
    );

    const partly = await snapshotter.snapshot({ ...request, accounts: ['111111111111', DENIED] });
    expect(partly.members.map((m) => m.status)).toEqual(['read', 'failed']);
    expect(partly).not.toHaveProperty('scopeNotDescribed');
  });

  it('with every member read, a scope some member describes in part is read over what exists, the ids no member describes named', async () => {
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: ['111111111111', '333333333333'],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
      vpcIds: ['vpc-0abc', 'vpc-0e1f2a3b4c5d6e7f8'],
      subnetIds: ['subnet-0a', 'subnet-0f9e8d7c6b5a49382'],
    });
    expect(result.members.map((m) => m.status)).toEqual(['read', 'read']);
    expect(result.snapshot.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-0abc']);
    expect(result.scopeNotDescribed).toEqual({ vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'], subnetIds: ['subnet-0f9e8d7c6b5a49382'] });
  });

  it('reads a member AWS throttled once more after the others, alone; one still throttled is named as such', async () => {
    const BUSY = '555555555555';
    const STUCK = '666666666666';
    const throttled = () =>
      Object.assign(new Error('Request limit exceeded.'), {
        name: 'RequestLimitExceeded',
        $fault: 'client',
        $retryable: { throttling: true },
        $metadata: { httpStatusCode: 503, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000005', attempts: 3 },
      });
    const calls: string[] = [];
    let busyCalls = 0;
    ec2.on(DescribeVpcsCommand).callsFake((_input, getClient: () => EC2Client) => {
      const client = getClient();
      const account = [BUSY, STUCK, '111111111111'].find((id) => client === clientOf({ accountId: id, region: 'eu-west-1' }));
      calls.push(account ?? '?');
      if (account === STUCK) throw throttled();
      if (account === BUSY && busyCalls++ === 0) throw throttled();
      return vpcsPage;
    });
    const paced = new OrganizationSnapshotter(
      new Ec2Snapshotter({ ec2: clientOf, serviceQuotas: quotasOf }),
      { organizations: () => new OrganizationsClient({ region: 'us-east-1' }) },
      { throttledRetryDelayMs: 0 },
    );
    const result = await paced.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: [BUSY, STUCK, '111111111111'],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    // The first pass reads all three; the second only the two throttled, after the others.
    expect(calls).toEqual([BUSY, STUCK, '111111111111', BUSY, STUCK]);
    expect(result.members.map((m) => [m.accountId, m.status, m.error?.code])).toEqual([
      [BUSY, 'read', undefined],
      [STUCK, 'failed', 'RequestLimitExceeded'],
      ['111111111111', 'read', undefined],
    ]);
    expect(result.members[1].error?.message).toMatch(/still throttled after a second try/);
  });

  it("keeps a member whose role predates DescribeRouteTables: the merged snapshot has the others' route tables and names the refusal", async () => {
    const OLD_ROLE = '333333333333';
    ec2.on(DescribeRouteTablesCommand).callsFake((_input, getClient: () => EC2Client) => {
      if (getClient() === clientOf({ accountId: OLD_ROLE, region: 'eu-west-1' })) {
        throw Object.assign(new Error('You are not authorized to perform this operation.'), {
          name: 'UnauthorizedOperation',
          $fault: 'client',
          $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000004', attempts: 1 },
        });
      }
      return { ...routeTablePages[1] };
    });
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: ['111111111111', OLD_ROLE],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(result.members.map((m) => [m.accountId, m.status])).toEqual([
      ['111111111111', 'read'],
      [OLD_ROLE, 'read'],
    ]);
    expect(result.snapshot.RouteTables?.map((t) => t.RouteTableId)).toEqual(['rtb-0a1b2c3d4e5f60002']);
    expect(result.snapshot.NotRead).toEqual([
      {
        Member: 'RouteTables',
        Action: 'ec2:DescribeRouteTables',
        AccountId: OLD_ROLE,
        Region: 'eu-west-1',
        ErrorCode: 'UnauthorizedOperation',
      },
    ]);
  });
  it('keeps a transit gateway two members describe once, and names the member whose role predates the transit gateway calls', async () => {
    const OLD_ROLE = '333333333333';
    const refused = () =>
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000005', attempts: 1 },
      });
    const oldRole = (getClient: () => EC2Client) => getClient() === clientOf({ accountId: OLD_ROLE, region: 'eu-west-1' });
    // The hub (shared through RAM) is described by every member that may use it.
    ec2.on(DescribeTransitGatewaysCommand).callsFake((_input, getClient: () => EC2Client) => {
      if (oldRole(getClient)) throw refused();
      return { ...transitGatewayPages[0], NextToken: undefined };
    });
    ec2.on(DescribeTransitGatewayVpcAttachmentsCommand).callsFake((_input, getClient: () => EC2Client) => {
      if (oldRole(getClient)) throw refused();
      return { ...transitGatewayVpcAttachmentPages[0], NextToken: undefined };
    });
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: ['111111111111', '444444444444', OLD_ROLE],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(result.members.map((m) => m.status)).toEqual(['read', 'read', 'read']);
    expect(result.snapshot.TransitGateways?.map((g) => g.TransitGatewayId)).toEqual(['tgw-0a1b2c3d4e5f60001']);
    expect(result.snapshot.TransitGatewayVpcAttachments?.map((a) => a.TransitGatewayAttachmentId)).toEqual([
      'tgw-attach-0a1b2c3d4e5f60001',
    ]);
    expect(result.snapshot.NotRead?.map((n) => [n.Member, n.AccountId, n.ErrorCode])).toEqual([
      ['TransitGateways', OLD_ROLE, 'UnauthorizedOperation'],
      ['TransitGatewayVpcAttachments', OLD_ROLE, 'UnauthorizedOperation'],
    ]);
  });

  it('reads each member’s rule quotas in its own account and region; a member whose role predates GetServiceQuota is read, each refusal named', async () => {
    const RAISED = '111111111111';
    const OLD_ROLE = '333333333333';
    quotas.on(GetServiceQuotaCommand).callsFake((input: { QuotaCode?: string }, getClient: () => ServiceQuotasClient) => {
      const [account, region] = memberOf(getClient());
      if (account === OLD_ROLE) {
        throw new QuotaAccessDeniedException({
          message: 'You do not have sufficient access to perform this action.',
          $metadata: { httpStatusCode: 400, requestId: 'sq-denied', attempts: 1 },
        });
      }
      const raised = account === RAISED && region === 'eu-west-1';
      return ruleQuotasResponse(input, { account, region }, raised ? { rulesPerGroup: 200, rulesPerNetworkAcl: 40 } : {});
    });
    const result = await snapshotter.snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: [RAISED, OLD_ROLE],
      regions: ['eu-west-1', 'us-east-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(result.members.map((m) => m.status)).toEqual(['read', 'read', 'read', 'read']);
    expect(result.snapshot.ServiceQuotas).toEqual([
      ruleQuotaOf(200, { account: RAISED, region: 'eu-west-1' }),
      networkAclRuleQuotaOf(40, { account: RAISED, region: 'eu-west-1' }),
      ruleQuotaOf(60, { account: RAISED, region: 'us-east-1' }),
      networkAclRuleQuotaOf(20, { account: RAISED, region: 'us-east-1' }),
    ]);
    expect(result.snapshot.NotRead?.map((n) => [n.Member, n.Action, n.QuotaCode, n.AccountId, n.Region, n.ErrorCode])).toEqual([
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-0EA8095F', OLD_ROLE, 'eu-west-1', 'AccessDeniedException'],
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-2AEEBF1A', OLD_ROLE, 'eu-west-1', 'AccessDeniedException'],
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-0EA8095F', OLD_ROLE, 'us-east-1', 'AccessDeniedException'],
      ['ServiceQuotas', 'servicequotas:GetServiceQuota', 'L-2AEEBF1A', OLD_ROLE, 'us-east-1', 'AccessDeniedException'],
    ]);
  });

  it('a member whose GetServiceQuota is still throttled once the SDK’s retries are spent is read without its quota, named in NotRead: the others keep theirs', async () => {
    const BUSY = '555555555555';
    quotas.on(GetServiceQuotaCommand).callsFake((input: { QuotaCode?: string }, getClient: () => ServiceQuotasClient) => {
      const [account, region] = memberOf(getClient());
      if (account === BUSY) {
        throw new TooManyRequestsException({
          message: 'Rate exceeded',
          $metadata: { httpStatusCode: 400, requestId: 'sq-throttled', attempts: 3, totalRetryDelay: 900 },
        });
      }
      return ruleQuotasResponse(input, { account, region });
    });
    const result = await new OrganizationSnapshotter(
      new Ec2Snapshotter({ ec2: clientOf, serviceQuotas: quotasOf }),
      { organizations: () => new OrganizationsClient({ region: 'us-east-1' }) },
      { throttledRetryDelayMs: 0 },
    ).snapshot({
      central: { accountId: '999999999999', region: 'eu-west-1' },
      accounts: [BUSY, '111111111111'],
      regions: ['eu-west-1'],
      roleName: 'sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(result.members.map((m) => [m.accountId, m.status])).toEqual([
      [BUSY, 'read'],
      ['111111111111', 'read'],
    ]);
    expect(result.snapshot.ServiceQuotas?.map((q) => [q.QuotaArn, q.Value])).toEqual([
      ['arn:aws:servicequotas:eu-west-1:111111111111:vpc/L-0EA8095F', 60],
      ['arn:aws:servicequotas:eu-west-1:111111111111:vpc/L-2AEEBF1A', 20],
    ]);
    expect(result.snapshot.NotRead?.map((n) => [n.Member, n.QuotaCode, n.AccountId, n.ErrorCode])).toEqual([
      ['ServiceQuotas', 'L-0EA8095F', BUSY, 'TooManyRequestsException'],
      ['ServiceQuotas', 'L-2AEEBF1A', BUSY, 'TooManyRequestsException'],
    ]);
  });
});
