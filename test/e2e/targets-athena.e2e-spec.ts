import { AthenaClient, GetTableMetadataCommand, MetadataException } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { flowLogColumns, tableMetadata } from '../support/aws/athena-table-metadata';
import { ADMIN_KEY, api, sampleTargetBody } from '../support/app/analysis-api';
import { createTestApp, type TestApp } from '../support/app/test-app';

const V2 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
const V5 = `${V2} \${vpc-id} \${subnet-id} \${tcp-flags} \${flow-direction}`;

function athenaTarget(flowSource: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'shop-prod',
    accountId: '111122223333',
    region: 'eu-west-1',
    configSource: { type: 'ec2' },
    flowSource: { type: 'athena', workgroup: 'sgdoctor', database: 'vpc_flow_logs', table: 'shop_flow_logs', ...flowSource },
  };
}

describe('Athena targets: the table is read when the target is created or changed', () => {
  let testApp: TestApp;
  const athenaMock = mockClient(AthenaClient);
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY } });
  });
  beforeEach(() => athenaMock.reset());
  afterAll(async () => {
    athenaMock.restore();
    await testApp?.close();
  });

  it('stores the layout of AWS’s documented table: a `date` partition, compared as a date', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('shop_flow_logs', flowLogColumns(V2), [{ Name: 'date', Type: 'date' }]));
    const created = await api(server()).post('/v1/targets', athenaTarget());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.flowSource.layout).toEqual({
      type: 'date-string',
      column: 'date',
      format: 'yyyy-MM-dd',
      columnType: 'date',
      accountColumn: null,
      regionColumn: null,
    });
    expect(athenaMock.commandCalls(GetTableMetadataCommand)[0]!.args[0].input).toEqual({
      CatalogName: 'AwsDataCatalog',
      DatabaseName: 'vpc_flow_logs',
      TableName: 'shop_flow_logs',
      WorkGroup: 'sgdoctor',
    });
  });

  it('finds the account and region partitions of AWS’s Hive-compatible layout', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata('shop_flow_logs', flowLogColumns(V5), [
        { Name: 'aws-account-id', Type: 'string' },
        { Name: 'aws-service', Type: 'string' },
        { Name: 'aws-region', Type: 'string' },
        { Name: 'year', Type: 'string' },
        { Name: 'month', Type: 'string' },
        { Name: 'day', Type: 'string' },
        { Name: 'hour', Type: 'string' },
      ]),
    );
    const created = await api(server()).post('/v1/targets', athenaTarget({ logFormat: V5 }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.flowSource.layout).toMatchObject({
      type: 'date-parts',
      hour: 'hour',
      valueType: 'string',
      accountColumn: 'aws-account-id',
      regionColumn: 'aws-region',
    });
  });

  it('refuses a table without the columns attribution needs, with the reason', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata(
        'shop_flow_logs',
        [
          { Name: 'srcaddr', Type: 'string' },
          { Name: 'message', Type: 'string' },
        ],
        [],
      ),
    );
    const response = await api(server()).post('/v1/targets', athenaTarget());
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.errors).toEqual([
      { field: 'flowSource.table', message: expect.stringMatching(/no column interface_id, dstaddr, protocol, action/) },
    ]);
    expect((await api(server()).get('/v1/targets')).body.map((t: { name: string }) => t.name)).not.toContain('broken');
  });

  it('refuses an invalid logFormat at creation, not at the first analysis', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('shop_flow_logs', flowLogColumns(V2), []));
    const missing = await api(server()).post('/v1/targets', athenaTarget({ logFormat: '${version} ${srcaddr} ${dstaddr}' }));
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ field: 'flowSource.logFormat', message: expect.stringMatching(/lacks interface-id/) });
    const absent = await api(server()).post('/v1/targets', athenaTarget({ logFormat: V5 }));
    expect(absent.status).toBe(400);
    expect(absent.body.errors[0].message).toMatch(/no column for vpc_id/);
    const files = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ flowSource: { type: 'files', paths: ['flows'], logFormat: '${version} ${version}' } }),
    );
    expect(files.status).toBe(400);
    expect(files.body.errors[0]).toMatchObject({ field: 'flowSource.logFormat', message: expect.stringMatching(/more than once/) });
  });

  it('a stated layout stays an override, checked against the partition keys', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('shop_flow_logs', flowLogColumns(V2), [{ Name: 'dt', Type: 'string' }]));
    const unknown = await api(server()).post(
      '/v1/targets',
      athenaTarget({ layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' } }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({
      field: 'flowSource.layout.column',
      message: expect.stringMatching(/day is not a partition key/),
    });
    const stated = await api(server()).post(
      '/v1/targets',
      athenaTarget({ layout: { type: 'date-string', column: 'dt', format: 'yyyy-MM-dd' } }),
    );
    expect(stated.status, JSON.stringify(stated.body)).toBe(201);
    expect(stated.body.flowSource.layout).toMatchObject({ type: 'date-string', column: 'dt', format: 'yyyy-MM-dd', columnType: 'string' });
  });

  it('a table Athena cannot find is a 422 naming the table and Athena’s error', async () => {
    athenaMock
      .on(GetTableMetadataCommand)
      .rejects(
        new MetadataException({ message: 'Table shop_flow_logs not found in database vpc_flow_logs', $metadata: { httpStatusCode: 400 } }),
      );
    const response = await api(server()).post('/v1/targets', athenaTarget());
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('TARGET.ATHENA_TABLE_UNREADABLE');
    expect(response.body.detail).toMatch(
      /vpc_flow_logs\.shop_flow_logs: MetadataException: athena:GetTableMetadata on vpc_flow_logs\.shop_flow_logs \(account \d{12}, [a-z0-9-]+\): Table shop_flow_logs not found/,
    );
  });

  it('re-reads the table when the flow source changes', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('shop_flow_logs', flowLogColumns(V2), []));
    const created = await api(server()).post('/v1/targets', athenaTarget());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('other', flowLogColumns(V2), [{ Name: 'date', Type: 'date' }]));
    const updated = await api(server()).patch(`/v1/targets/${created.body.id}`, {
      flowSource: { type: 'athena', database: 'vpc_flow_logs', table: 'other' },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.flowSource.layout).toMatchObject({ type: 'date-string', column: 'date', columnType: 'date' });
    const renamed = await api(server()).patch(`/v1/targets/${created.body.id}`, { name: 'renamed' });
    expect(renamed.status).toBe(200);
    expect(athenaMock.commandCalls(GetTableMetadataCommand)).toHaveLength(2);
  });
});
