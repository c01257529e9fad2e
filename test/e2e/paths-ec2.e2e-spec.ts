import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RouteTable } from '../../src/engine/network/snapshot';
import { analyse, api } from '../support/app/analysis-api';
import { createAwsTestApp } from '../support/app/aws-test-app';
import type { TestApp } from '../support/app/test-app';
import { AthenaEmulator } from '../support/aws/aws-athena-emulator';
import { MockedAwsAccount } from '../support/aws/aws-mocked-account';
import { sampleSnapshot } from '../support/aws/aws-sample-responses';

/** The samples' app and batch instances, both in the shop VPC. */
const APP = 'i-0b1a2c3d4e5f60011';
const BATCH = 'i-0b1a2c3d4e5f60041';
const SHOP_VPC = 'vpc-0a3f5c7e9b1d24680';
const MAIN = 'rtb-0a3f5c7e9b1d20001';

/** The shop VPC's main table: the local route, and a default route whose NAT gateway was deleted. */
const ROUTE_TABLES: RouteTable[] = [
  {
    RouteTableId: MAIN,
    VpcId: SHOP_VPC,
    OwnerId: '111122223333',
    Associations: [
      { Main: true, RouteTableAssociationId: 'rtbassoc-0a3f5c7e9b1d20001', RouteTableId: MAIN, AssociationState: { State: 'associated' } },
    ],
    Routes: [
      { DestinationCidrBlock: '10.20.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a3f5c7e9b1d20001', State: 'blackhole', Origin: 'CreateRoute' },
    ],
  },
];

const REFUSAL =
  'not evaluated: ec2:DescribeRouteTables was refused (UnauthorizedOperation) in account 111122223333, eu-west-1, so the snapshot has no RouteTables; grant ec2:DescribeRouteTables to the read role (iam/ec2-config.json)';

describe('POST /v1/targets/{id}/paths on an ec2 target: the route hop from DescribeRouteTables', () => {
  let testApp: TestApp;
  let targetId: string;
  const account = new MockedAwsAccount({ ...sampleSnapshot(), RouteTables: ROUTE_TABLES }, new AthenaEmulator({ reject: [], accept: [] }), {
    mockAthena: false,
  });
  const server = () => testApp.app.getHttpServer();
  const ask = (body: Record<string, unknown>) => api(server()).post(`/v1/targets/${targetId}/paths`, body);
  const routeHop = (body: { hops: Array<{ hop: string }> }) => body.hops.find((h) => h.hop === 'route');

  beforeAll(async () => {
    testApp = await createAwsTestApp({ env: { QUEUE_ATTEMPTS: '1', RATE_LIMIT_PER_MINUTE: '100000' } });
    const created = await api(server()).post('/v1/targets', {
      name: 'shop-live',
      accountId: '111122223333',
      region: 'eu-west-1',
      configSource: { type: 'ec2' },
      flowSource: { type: 'files', paths: ['flows'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    targetId = created.body.id;
  });

  beforeEach(() => account.reset());

  afterAll(async () => {
    await testApp?.close();
    account.restore();
  });

  it('a blackhole route read from EC2 drops the traffic: the path is blocked at the route', async () => {
    const response = await ask({ from: APP, to: '8.8.8.8', protocol: 'tcp', port: 443, snapshot: 'fresh' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.verdict).toBe('blocked');
    expect(routeHop(response.body)).toMatchObject({
      verdict: 'deny',
      routeTableId: MAIN,
      explanationCode: 'BAD_STATE_ROUTE',
      reason: `the route 0.0.0.0/0 of ${MAIN} is a blackhole (nat-0a3f5c7e9b1d20001 is gone)`,
    });
    expect(response.body.reason).toContain('is a blackhole');
    expect(account.ec2Calls(DescribeRouteTablesCommand.name)).toEqual([{ MaxResults: 100 }]);

    // Inside the VPC the local route carries the traffic (the subnet has no table of its own: the main one).
    const local = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 8443, snapshot: 'fresh' });
    expect(routeHop(local.body)).toMatchObject({ verdict: 'allow', routeTableId: MAIN, rule: { target: 'local', targetType: 'local' } });
  });

  it('a read role without ec2:DescribeRouteTables: the snapshot is still taken, and the analysis and the route hop name the refusal', async () => {
    account.ec2.on(DescribeRouteTablesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403, requestId: 'b5fe2b5b-8e3e-4f1f-9a3c-000000000005', attempts: 1 },
      }),
    );
    const fresh = await ask({ from: APP, to: '8.8.8.8', protocol: 'tcp', port: 443, snapshot: 'fresh' });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(routeHop(fresh.body)).toMatchObject({ verdict: 'skipped', reason: REFUSAL });

    const done = await analyse(server(), targetId);
    const notRead = [
      {
        Member: 'RouteTables',
        Action: 'ec2:DescribeRouteTables',
        AccountId: '111122223333',
        Region: 'eu-west-1',
        ErrorCode: 'UnauthorizedOperation',
      },
    ];
    expect(done.statistics.notRead).toEqual(notRead);
    // The analysed snapshot keeps the refusal: a later question over it says the same.
    const latest = await ask({ from: APP, to: '8.8.8.8', protocol: 'tcp', port: 443 });
    expect(latest.status, JSON.stringify(latest.body)).toBe(200);
    expect(routeHop(latest.body)).toMatchObject({ verdict: 'skipped', reason: REFUSAL });
  });
});
