import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DescribeStaleSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlowAggregate } from '../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../src/engine/network/snapshot';
import type { TestApp } from '../support/app/test-app';
import { allFindings, api, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';
import { AthenaEmulator, DEFAULT_TABLE } from '../support/aws/aws-athena-emulator';
import { EC2_LIST_CALLS } from '../support/aws/aws-mocked-account';
import { awsMetadata, pageOf } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { type Member, memberAggregates, memberSnapshot } from '../support/aws/organization-network';
import { ruleQuotasResponse } from '../support/aws/service-quotas-responses';

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
/** Its read role refuses sgdoctor (AccessDenied on AssumeRole): the analysis goes on without it. */
const FAILING = '333333333333';
const CENTRAL = '999999999999';

const MEMBERS: Array<Member & { a: number; r: number }> = ACCOUNTS.flatMap((accountId, a) =>
  REGIONS.map((region, r) => ({ accountId, region, a, r })),
);

const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';

/** AWS's Hive-compatible S3 layout as a central log-archive table declares it: account and region are partitions. */
const CENTRAL_TABLE = {
  ...DEFAULT_TABLE,
  partitionKeys: [
    { Name: 'aws_account_id', Type: 'string' },
    { Name: 'aws_region', Type: 'string' },
    { Name: 'day', Type: 'string' },
  ],
};

function organizationTarget(configSource: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'org-prod',
    accountId: CENTRAL,
    region: 'eu-west-1',
    configSource,
    flowSource: {
      type: 'athena',
      workgroup: 'sgdoctor',
      database: 'log_archive',
      table: 'vpc_flow_logs',
      outputLocation: 's3://org-athena-results/sgdoctor/',
      layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd', accountColumn: 'aws_account_id', regionColumn: 'aws_region' },
      logFormat: V5_FORMAT,
    },
  };
}

describe('an organisation in one target: 3 accounts × 2 regions over a central Athena table', () => {
  let testApp: TestApp;
  const ec2 = mockClient(EC2Client);
  const sts = mockClient(STSClient);
  const athenaMock = mockClient(AthenaClient);
  const organizations = mockClient(OrganizationsClient);
  const quotas = mockClient(ServiceQuotasClient);
  const assumed: Array<{ RoleArn?: string; ExternalId?: string }> = [];
  const snapshots = new Map<string, NetworkSnapshot>(MEMBERS.map((m) => [`${m.accountId}|${m.region}`, memberSnapshot(m, m.a, m.r)]));
  const aggregates: FlowAggregate[] = MEMBERS.flatMap((m) => memberAggregates(m, m.a, m.r, SAMPLE_WINDOW));
  const athena = new AthenaEmulator({
    reject: aggregates.filter((f) => f.action === 'REJECT'),
    accept: aggregates.filter((f) => f.action === 'ACCEPT'),
  });
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '1', RATE_LIMIT_PER_MINUTE: '100000' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: 60_000 },
    });
  });

  beforeEach(() => {
    assumed.length = 0;
    athena.reset();
    athena.table = CENTRAL_TABLE;
    for (const mock of [ec2, sts, athenaMock, organizations, quotas]) mock.reset();
    // STS answers with credentials naming the account, which the EC2 fake reads back.
    sts.on(AssumeRoleCommand).callsFake((input: { RoleArn?: string; ExternalId?: string }) => {
      assumed.push({ RoleArn: input.RoleArn, ExternalId: input.ExternalId });
      const account = /^arn:aws:iam::(\d{12}):role\//.exec(input.RoleArn ?? '')?.[1];
      if (account === FAILING) {
        throw Object.assign(
          new Error(
            `User: arn:aws:sts::${CENTRAL}:assumed-role/sgdoctor/worker is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
          ),
          {
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403, requestId: 'assume-denied', attempts: 1 },
          },
        );
      }
      return {
        ...awsMetadata(`assume-${account}`),
        Credentials: {
          AccessKeyId: `ASIA${account}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date('2099-01-01T00:00:00Z'),
        },
        AssumedRoleUser: { Arn: `arn:aws:sts::${account}:assumed-role/sgdoctor-read/sgdoctor`, AssumedRoleId: 'AROAEXAMPLE:sgdoctor' },
      };
    });
    for (const [command, member, key] of EC2_LIST_CALLS) {
      (
        ec2.on(command) as unknown as { callsFake(fn: (input: { NextToken?: string }, getClient: () => EC2Client) => unknown): void }
      ).callsFake(async (input, getClient) => {
        const config = getClient().config;
        const credentials = await config.credentials();
        const account = credentials.accessKeyId.replace(/^ASIA/, '');
        const region = await config.region();
        const served = snapshots.get(`${account}|${region}`) as unknown as Record<string, unknown[] | undefined>;
        if (!served) throw new Error(`EC2 called with credentials of ${account} in ${region}`);
        return pageOf(served[key] ?? [], member, 50, input.NextToken, command.name);
      });
    }
    ec2.on(DescribeStaleSecurityGroupsCommand).resolves({ StaleSecurityGroupSet: [] });
    // Each member's rule quotas, at EC2's defaults, in the account its credentials name.
    quotas.on(GetServiceQuotaCommand).callsFake(async (input: { QuotaCode?: string }, getClient: () => ServiceQuotasClient) => {
      const config = getClient().config;
      const account = (await config.credentials()).accessKeyId.replace(/^ASIA/, '');
      return ruleQuotasResponse(input, { account, region: await config.region() });
    });
    athenaMock.on(StartQueryExecutionCommand).callsFake((input) => athena.startQueryExecution(input));
    athenaMock.on(GetQueryExecutionCommand).callsFake((input) => athena.getQueryExecution(input));
    athenaMock.on(GetQueryResultsCommand).callsFake((input) => athena.getQueryResults(input));
    athenaMock.on(GetTableMetadataCommand).callsFake((input) => athena.getTableMetadata(input));
  });

  afterAll(async () => {
    await testApp?.close();
    for (const mock of [ec2, sts, athenaMock, organizations, quotas]) mock.restore();
  });

  it('scans once for the window, reads each member through its role, reports the failing account and files findings per account', async () => {
    const created = await api(server()).post(
      '/v1/targets',
      organizationTarget({
        type: 'organization',
        accounts: ACCOUNTS,
        regions: REGIONS,
        roleName: 'sgdoctor-read',
        externalId: 'org-ext-42',
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const targetId = created.body.id as string;

    const started = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const done = await waitForAnalysis(server(), started.body.id);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');

    // One scan of the central table for the window, over the members' partitions.
    expect(athena.queries).toHaveLength(1);
    const parameters = athena.starts[0].ExecutionParameters ?? [];
    for (const value of [...ACCOUNTS, ...REGIONS]) expect(parameters).toContain(`'${value}'`);
    expect(athena.starts[0].QueryString).toMatch(/"aws_account_id" IN \(\?, \?, \?\)/);
    expect(athena.starts[0].QueryString).toMatch(/"aws_region" IN \(\?, \?\)/);

    // Every member's role was assumed with the external id; the failing one is reported, not fatal.
    expect(new Set(assumed.map((a) => a.RoleArn))).toEqual(new Set(ACCOUNTS.map((a) => `arn:aws:iam::${a}:role/sgdoctor-read`)));
    expect(assumed.every((a) => a.ExternalId === 'org-ext-42')).toBe(true);
    const accounts = done.statistics.accounts as Array<Record<string, any>>;
    expect(accounts).toHaveLength(6);
    expect(done.statistics.accountsFailed).toBe(2);
    for (const member of accounts) {
      if (member.accountId === FAILING) {
        expect(member).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
        expect(member.error.message).toContain('sts:AssumeRole');
      } else {
        expect(member).toMatchObject({ status: 'read', interfaces: 2, securityGroups: 1, networkAcls: 1 });
      }
    }
    // The failing account's refused flows cannot be decided without its configuration: they are counted as such.
    const failingIndex = ACCOUNTS.indexOf(FAILING);
    const undecided = done.statistics.undecided as Array<{ reason: string; interfaces: string[]; flows: number }>;
    expect(undecided).toEqual([expect.objectContaining({ reason: 'interface-not-in-snapshot', flows: 2 })]);
    expect(undecided[0].interfaces.sort()).toEqual(REGIONS.map((_, r) => `eni-0${failingIndex}${r}00000000000002`));

    // Findings per account: each read member's refused PostgreSQL connections, on its own interfaces.
    const all = await allFindings(server(), targetId);
    for (const [a, account] of ACCOUNTS.entries()) {
      const mine = await allFindings(server(), targetId, `&accountId=${account}`);
      if (account === FAILING) {
        expect(mine).toHaveLength(0);
        continue;
      }
      expect(mine.map((f) => f.port).sort()).toEqual([5432, 5432]);
      for (const finding of mine) {
        const detail = await api(server()).get(`/v1/findings/${finding.id}`);
        expect(detail.body.accountIds).toEqual([account]);
        expect(detail.body.finding.traffic.interfaces.map((i: { id: string }) => i.id)[0]).toMatch(new RegExp(`^eni-0${a}[01]`));
      }
    }
    expect(all).toHaveLength(4);
  });

  it('lists the members through AWS Organizations when the target names none (ACTIVE accounts read, the others named, every page)', async () => {
    organizations.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) => {
      const listed = [
        { Id: '111111111111', Name: 'shop', State: 'ACTIVE', Status: 'ACTIVE' },
        { Id: '444444444444', Name: 'closed', State: 'CLOSED' },
        { Id: '222222222222', Name: 'data', Status: 'ACTIVE' },
        { Id: '555555555555', Name: 'leaving', State: 'PENDING_CLOSURE', Status: 'PENDING_CLOSURE' },
      ].map((account) => ({
        Arn: `arn:aws:organizations::${CENTRAL}:account/o-example/${account.Id}`,
        Email: `${account.Name}@example.com`,
        ...account,
      }));
      return pageOf(listed, 'Accounts', 2, input.NextToken, 'ListAccounts');
    });
    const created = await api(server()).post(
      '/v1/targets',
      organizationTarget({ type: 'organization', regions: ['eu-west-1'], roleName: 'sgdoctor-read' }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.configSource).toMatchObject({ type: 'organization', accounts: null, regions: ['eu-west-1'], externalId: null });
    const started = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const done = await waitForAnalysis(server(), started.body.id);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    expect(organizations.commandCalls(ListAccountsCommand)).toHaveLength(2);
    const accounts = done.statistics.accounts as Array<{ accountId: string; status: string; error?: { code: string } }>;
    expect(accounts.map((m) => `${m.accountId} ${m.status}${m.error ? ` ${m.error.code}` : ''}`)).toEqual([
      '111111111111 read',
      '222222222222 read',
      '444444444444 skipped CLOSED',
      '555555555555 skipped PENDING_CLOSURE',
    ]);
    expect(done.statistics.accountsSkipped).toBe(2);
    expect(athena.starts[0].ExecutionParameters).toEqual(expect.arrayContaining(["'111111111111'", "'222222222222'"]));
    expect(athena.starts[0].ExecutionParameters).not.toContain("'444444444444'");
    expect(athena.starts[0].ExecutionParameters).not.toContain("'555555555555'");
  });

  it('fails the analysis, with the reason, when no member can be read', async () => {
    const created = await api(server()).post(
      '/v1/targets',
      organizationTarget({ type: 'organization', accounts: [FAILING], regions: REGIONS, roleName: 'sgdoctor-read' }),
    );
    const started = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const done = await waitForAnalysis(server(), started.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure).toMatchObject({ stage: 'snapshot', code: 'AWS.AccessDenied', permanent: true });
    expect(athena.queries).toHaveLength(0);
  });

  it('refuses an organisation source without regions or role, and account ids that are not 12 digits', async () => {
    for (const configSource of [
      { type: 'organization', accounts: ACCOUNTS, roleName: 'sgdoctor-read' },
      { type: 'organization', accounts: ACCOUNTS, regions: REGIONS },
      { type: 'organization', accounts: ['1234'], regions: REGIONS, roleName: 'sgdoctor-read' },
      { type: 'organization', accounts: ACCOUNTS, regions: ['Europe'], roleName: 'sgdoctor-read' },
      { type: 'organization', accounts: ACCOUNTS, regions: REGIONS, roleName: 'bad role name' },
    ]) {
      const response = await api(server()).post('/v1/targets', organizationTarget(configSource));
      expect(response.status, JSON.stringify(configSource)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });
});
