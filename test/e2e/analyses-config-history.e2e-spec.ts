import {
  ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  ResourceNotDiscoveredException,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FlowAggregate } from '../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../src/engine/network/snapshot';
import type { TestApp } from '../support/app/test-app';
import { allFindings, api, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';
import { AthenaEmulator } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { awsMetadata } from '../support/aws/aws-sample-responses';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { memberAggregates, memberSnapshot } from '../support/aws/organization-network';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const V5_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction} ${traffic-path}';

const day = Date.parse(SAMPLE_WINDOW.from);
const at = (hours: number) => new Date(day + hours * 3600_000);

/** Today the group admits PostgreSQL from the VPC too: someone fixed it at 04:00 on the analysed day. */
const current: NetworkSnapshot = (() => {
  const snapshot = memberSnapshot({ accountId: ACCOUNT, region: REGION }, 1, 0);
  snapshot.SecurityGroups![0].IpPermissions!.push({
    IpProtocol: 'tcp',
    FromPort: 5432,
    ToPort: 5432,
    IpRanges: [{ CidrIp: '10.2.0.0/16' }],
  });
  return snapshot;
})();
const group = current.SecurityGroups![0];
const acl = current.NetworkAcls![0];
const [app] = current.NetworkInterfaces!;
/** A Lambda function's interface that served in the morning and was deleted at 06:00: not in today's snapshot. */
const LAMBDA_ENI = 'eni-0ffee000000000001';

/** A security group as AWS Config records it: the EC2 object in camelCase, IPv4 ranges both as objects and as legacy strings. */
function recordedGroup(permissions: Array<{ from: number; to: number; cidr: string }>): string {
  const permission = (p: { from: number; to: number; cidr: string }) => ({
    fromPort: p.from,
    ipProtocol: 'tcp',
    ipv6Ranges: [],
    prefixListIds: [],
    toPort: p.to,
    userIdGroupPairs: [],
    ipv4Ranges: [{ cidrIp: p.cidr }],
    ipRanges: [p.cidr],
  });
  return JSON.stringify({
    description: 'app',
    groupName: group.GroupName,
    ipPermissions: permissions.map(permission),
    ownerId: ACCOUNT,
    groupId: group.GroupId,
    ipPermissionsEgress: [
      {
        ipProtocol: '-1',
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [],
        ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }],
        ipRanges: ['0.0.0.0/0'],
      },
    ],
    tags: [],
    vpcId: group.VpcId,
  });
}

function recordedInterface(id: string, ip: string, description: string): string {
  return JSON.stringify({
    availabilityZone: `${REGION}a`,
    description,
    groups: [{ groupName: group.GroupName, groupId: group.GroupId }],
    interfaceType: 'lambda',
    ipv6Addresses: [],
    macAddress: '06:aa:bb:cc:dd:ee',
    networkInterfaceId: id,
    ownerId: ACCOUNT,
    privateDnsName: `ip-${ip.replace(/\./g, '-')}.${REGION}.compute.internal`,
    privateIpAddress: ip,
    privateIpAddresses: [
      { primary: true, privateDnsName: `ip-${ip.replace(/\./g, '-')}.${REGION}.compute.internal`, privateIpAddress: ip },
    ],
    requesterId: 'AROAEXAMPLE:lambda',
    requesterManaged: true,
    sourceDestCheck: true,
    status: 'in-use',
    subnetId: app.SubnetId,
    tagSet: [],
    vpcId: app.VpcId,
  });
}

interface Item {
  type: string;
  id: string;
  capturedAt: Date;
  status: 'OK' | 'ResourceDiscovered' | 'ResourceDeleted';
  configuration?: string;
}

/** What AWS Config recorded: the group without PostgreSQL until 04:00, the Lambda interface from 01:00 until its deletion at 06:00. */
const RECORDED: Item[] = [
  {
    type: 'AWS::EC2::SecurityGroup',
    id: group.GroupId,
    capturedAt: at(-96),
    status: 'ResourceDiscovered',
    configuration: recordedGroup([{ from: 443, to: 443, cidr: '10.2.0.0/16' }]),
  },
  {
    type: 'AWS::EC2::SecurityGroup',
    id: group.GroupId,
    capturedAt: at(4),
    status: 'OK',
    configuration: recordedGroup([
      { from: 443, to: 443, cidr: '10.2.0.0/16' },
      { from: 5432, to: 5432, cidr: '10.2.0.0/16' },
    ]),
  },
  ...current.NetworkInterfaces!.map((eni): Item => ({
    type: 'AWS::EC2::NetworkInterface',
    id: eni.NetworkInterfaceId,
    capturedAt: at(-96),
    status: 'ResourceDiscovered',
    configuration: recordedInterface(eni.NetworkInterfaceId, eni.PrivateIpAddress!, 'app'),
  })),
  {
    type: 'AWS::EC2::NetworkInterface',
    id: LAMBDA_ENI,
    capturedAt: at(1),
    status: 'ResourceDiscovered',
    configuration: recordedInterface(LAMBDA_ENI, '10.2.1.77', 'AWS Lambda VPC ENI-orders'),
  },
  { type: 'AWS::EC2::NetworkInterface', id: LAMBDA_ENI, capturedAt: at(6), status: 'ResourceDeleted' },
];

function configurationItem(item: Item) {
  return {
    version: '1.3',
    accountId: ACCOUNT,
    configurationItemCaptureTime: item.capturedAt,
    configurationItemStatus: item.status,
    configurationStateId: String(item.capturedAt.getTime()),
    configurationItemMD5Hash: '',
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:${item.type === 'AWS::EC2::SecurityGroup' ? 'security-group' : 'network-interface'}/${item.id}`,
    resourceType: item.type,
    resourceId: item.id,
    awsRegion: REGION,
    availabilityZone: item.type === 'AWS::EC2::SecurityGroup' ? 'Multiple Availability Zones' : `${REGION}a`,
    tags: {},
    relatedEvents: [],
    relationships: [],
    ...(item.configuration ? { configuration: item.configuration } : {}),
    supplementaryConfiguration: {},
  };
}

describe('configuration at flow time: each window against what AWS Config recorded', () => {
  let testApp: TestApp;
  const config = mockClient(ConfigServiceClient);
  const aggregates: FlowAggregate[] = memberAggregates({ accountId: ACCOUNT, region: REGION }, 1, 0, SAMPLE_WINDOW).map((flow) =>
    // The refused PostgreSQL connections ran from 01:00 to 03:40, before the fix.
    flow.action === 'REJECT'
      ? {
          ...flow,
          firstSeen: at(1).getTime() / 1000,
          lastSeen: at(3.67).getTime() / 1000,
          hourly: [at(1).getTime() / 1000, flow.records],
        }
      : flow,
  );
  // The app calling the Lambda interface on 8080, refused: only recorded history knows that interface.
  const lambdaFlow: FlowAggregate = {
    ...aggregates[0],
    interfaceId: LAMBDA_ENI,
    dstaddr: '10.2.1.77',
    dstport: 8080,
    records: 25,
    packets: 50,
    bytes: 3000,
    hourly: [at(2).getTime() / 1000, 25],
  };
  const account = new MockedAwsAccount(
    current,
    new AthenaEmulator({
      reject: [...aggregates.filter((f) => f.action === 'REJECT'), lambdaFlow],
      accept: aggregates.filter((f) => f.action === 'ACCEPT'),
    }),
  );
  const server = () => testApp.app.getHttpServer();
  const historyCalls: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    testApp = await createAwsTestApp({
      env: { QUEUE_ATTEMPTS: '1', RATE_LIMIT_PER_MINUTE: '100000' },
      athena: { pollInitialMs: 20, pollMaxMs: 100, timeoutMs: 60_000 },
    });
  });

  beforeEach(() => {
    account.reset();
    config.reset();
    historyCalls.length = 0;
    config
      .on(ListDiscoveredResourcesCommand)
      .callsFake((input: { resourceType: string; includeDeletedResources?: boolean; nextToken?: string }) => {
        const live = current.NetworkInterfaces!.map((eni) => ({ resourceType: input.resourceType, resourceId: eni.NetworkInterfaceId }));
        const deleted = input.includeDeletedResources
          ? [{ resourceType: input.resourceType, resourceId: LAMBDA_ENI, resourceDeletionTime: at(6) }]
          : [];
        const all = input.resourceType === 'AWS::EC2::NetworkInterface' ? [...live, ...deleted] : [];
        // One resource per page, to walk the paginator.
        const offset = input.nextToken ? Number(input.nextToken) : 0;
        return {
          ...awsMetadata('list-discovered'),
          resourceIdentifiers: all.slice(offset, offset + 1),
          ...(offset + 1 < all.length ? { nextToken: String(offset + 1) } : {}),
        };
      });
    config
      .on(GetResourceConfigHistoryCommand)
      .callsFake(
        (input: {
          resourceType: string;
          resourceId: string;
          laterTime?: Date;
          earlierTime?: Date;
          chronologicalOrder?: string;
          limit?: number;
          nextToken?: string;
        }) => {
          historyCalls.push({ ...input });
          const items = RECORDED.filter((i) => i.type === input.resourceType && i.id === input.resourceId);
          if (items.length === 0) {
            throw new ResourceNotDiscoveredException({
              message: `Resource ${input.resourceId} of resourceType:${input.resourceType} is unknown or has not been discovered`,
              $metadata: { httpStatusCode: 400 },
            });
          }
          const inRange = items
            .filter(
              (i) => (!input.laterTime || i.capturedAt <= input.laterTime) && (!input.earlierTime || i.capturedAt >= input.earlierTime),
            )
            .sort((a, b) => (input.chronologicalOrder === 'Forward' ? 1 : -1) * (a.capturedAt.getTime() - b.capturedAt.getTime()));
          const size = Math.min(input.limit ?? 10, 1);
          const offset = input.nextToken ? Number(input.nextToken) : 0;
          const page = inRange.slice(offset, offset + size);
          return {
            ...awsMetadata('history'),
            configurationItems: page.map(configurationItem),
            ...(offset + size < inRange.length && !input.limit ? { nextToken: String(offset + size) } : {}),
          };
        },
      );
  });

  afterAll(async () => {
    await testApp?.close();
    account.restore();
    config.restore();
  });

  async function analyse(configSource: Record<string, unknown>) {
    const created = await api(server()).post('/v1/targets', {
      name: 'shop',
      accountId: ACCOUNT,
      region: REGION,
      configSource,
      flowSource: {
        type: 'athena',
        database: 'vpc_flow_logs',
        table: 'shop_flow_logs',
        outputLocation: 's3://shop-athena-results/sgdoctor/',
        layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
        logFormat: V5_FORMAT,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await api(server()).post('/v1/analyses', { targetId: created.body.id, ...SAMPLE_WINDOW });
    const done = await waitForAnalysis(server(), started.body.id);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    return { targetId: created.body.id as string, done };
  }

  it('evaluates the window against the configuration in force when it began, says when a finding was fixed, and brings deleted interfaces back', async () => {
    const { targetId, done } = await analyse({ type: 'ec2', history: 'aws-config' });
    expect(done.statistics.configHistory).toMatchObject({
      source: 'aws-config',
      evaluatedAt: at(0).toISOString(),
      deletedInterfaces: [LAMBDA_ENI],
      notRecorded: [acl.NetworkAclId],
      changesDuringWindow: 3,
      fixedDuringWindow: 1,
    });
    // The group's state at the start came from the newest item at or before it; the changes in the window page by page.
    expect(historyCalls).toEqual(
      expect.arrayContaining([expect.objectContaining({ resourceId: group.GroupId, laterTime: at(0), limit: 1 })]),
    );
    expect(historyCalls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resourceId: group.GroupId, earlierTime: at(0), laterTime: at(24), chronologicalOrder: 'Forward' }),
      ]),
    );

    const findings = await allFindings(server(), targetId);
    const postgres = findings.find((f) => f.port === 5432);
    expect(postgres, JSON.stringify(findings)).toBeDefined();
    const detail = await api(server()).get(`/v1/findings/${postgres!.id}`);
    expect(detail.body.finding.fixedAt).toBe('2026-11-24T04:00:00Z');
    // The deleted Lambda interface is evaluated with its recorded group: refused by it, not left unknown.
    const lambda = findings.find((f) => f.port === 8080);
    expect(lambda, JSON.stringify(findings)).toBeDefined();
    const lambdaDetail = await api(server()).get(`/v1/findings/${lambda!.id}`);
    expect(lambdaDetail.body.finding.traffic.interfaces.map((i: { id: string }) => i.id)).toEqual([LAMBDA_ENI]);
    expect(lambdaDetail.body.finding.blockedBy).toMatchObject({ control: 'security-group', groupIds: [group.GroupId] });
    expect(lambdaDetail.body.finding.fixedAt).toBeUndefined();
    expect(done.statistics.undecided ?? []).toEqual([]);
  });

  it('without history the same flows meet today’s configuration: the fixed port is allowed and the deleted interface unknown', async () => {
    const { targetId, done } = await analyse({ type: 'ec2' });
    expect(done.statistics.configHistory).toBeUndefined();
    expect(historyCalls).toHaveLength(0);
    const findings = await allFindings(server(), targetId);
    expect(findings.find((f) => f.port === 5432)).toBeUndefined();
    expect(JSON.stringify(done.statistics.undecided)).toContain(LAMBDA_ENI);
  });
});
