import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaFlowSource } from '../../../src/aws/athena-flow-source';
import { AthenaTableInspector } from '../../../src/aws/athena-table-inspector';
import { AthenaTableFlowSource } from '../../../src/flow-sources/athena-flow-source';
import type { FlowWindowRequest } from '../../../src/flow-sources/flow-source';
import type { AthenaFlowSourceSettings } from '../../../src/targets/target-sources';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { resultPages, succeeded, unreadRow } from '../../support/aws/athena-responses';
import { flowLogColumns, tableMetadata } from '../../support/aws/athena-table-metadata';

const V5 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${tcp-flags} ${flow-direction}';

const settings: AthenaFlowSourceSettings = {
  type: 'athena',
  workgroup: 'sgdoctor',
  catalog: null,
  database: 'vpc_logs',
  table: 'flow_logs',
  outputLocation: 's3://athena-results-111122223333/sgdoctor/',
  layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
  logFormat: V5,
};

const request: FlowWindowRequest<AthenaFlowSourceSettings> = {
  analysisId: '0f6c2d4e-8a1b-4c3d-9e5f-7a8b9c0d1e2f',
  attempt: 0,
  target: {
    id: 't-1',
    accountId: '111122223333',
    region: 'eu-west-1',
    access: { type: 'default-chain' },
    scope: { vpcIds: [], subnetIds: [] },
  },
  settings,
  window: { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') },
  snapshot: {},
  signal: new AbortController().signal,
};

/**
 * The Athena flow source as an analysis reads it, against the Athena API (aws-sdk-client-mock,
 * answers in the shapes AWS documents): the records of the window the query counted as left out
 * reach the analysis's statistics in the fields the files source fills.
 */
describe('AthenaTableFlowSource: what the query left out, in the analysis statistics', () => {
  const athenaMock = mockClient(AthenaClient);
  const athena = new AthenaClient({ region: 'eu-west-1' });
  const clients = { athena: () => athena, ec2: () => undefined as never };
  const source = new AthenaTableFlowSource(
    new AthenaFlowSource(clients, { pollInitialMs: 1, pollMaxMs: 2, timeoutMs: 2_000 }),
    new AthenaTableInspector(clients),
  );

  beforeEach(() => {
    athenaMock.reset();
    athenaMock
      .on(GetTableMetadataCommand)
      .resolves(tableMetadata('flow_logs', flowLogColumns(V5), [{ Name: 'day', Type: 'string' }], { 'projection.enabled': 'true' }));
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7', $metadata: { httpStatusCode: 200 } });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded('q-7'));
  });
  afterEach(() => athenaMock.reset());

  async function read(after: ReturnType<typeof unreadRow>[], rows = 1200) {
    const pages = resultPages(rows, 1000, after);
    let page = 0;
    athenaMock.on(GetQueryResultsCommand).callsFake(() => pages[page++]);
    const aggregates: FlowAggregate[] = [];
    const statistics = await source.read(request, (a) => aggregates.push(a));
    return { statistics, aggregates };
  }

  it('SKIPDATA, incomplete and malformed records become counts, named with the table; the aggregates are the flows alone', async () => {
    const { statistics, aggregates } = await read([
      unreadRow('skipdata', 5),
      unreadRow('no interface-id', 2),
      unreadRow('no address', 1),
      unreadRow('protocol not a number', 3),
      unreadRow('end past 9999-12-31T23:59:59Z', 1),
    ]);
    expect(aggregates).toHaveLength(1200);
    expect(statistics).toMatchObject({
      records: 3600,
      rejectedRecords: 3600,
      malformedLines: 4,
      incompleteRecords: 3,
      incompleteByReason: { 'no interface-id': 2, 'no address': 1 },
      skipdataRecords: 5,
      queryExecutionIds: ['q-7'],
    });
    expect(statistics.warnings).toEqual([
      {
        file: 'vpc_logs.flow_logs',
        message:
          '7 records of the window could not be read and are not in the analysis: no interface-id (2), no address (1), protocol not a number (3), end past 9999-12-31T23:59:59Z (1)',
      },
    ]);
    // The one query asked for SKIPDATA records and counts the others instead of filtering them.
    const sql = athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString!;
    expect(sql).toContain('WHERE ("action" IN (?, ?) OR "log_status" = ?)');
    expect(sql).toContain('END AS unread_reason');
  });

  it('a delimited-text table: the query counts lines too short for the format, reported as malformed', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata('flow_logs', flowLogColumns(V5), [{ Name: 'day', Type: 'string' }], {
        'projection.enabled': 'true',
        'serde.serialization.lib': 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
        'serde.param.field.delim': ' ',
      }),
    );
    const { statistics } = await read([unreadRow('message does not match the log format', 2)]);
    expect(statistics).toMatchObject({ malformedLines: 2, incompleteRecords: 0, skipdataRecords: 0 });
    expect(statistics.warnings?.[0]?.message).toMatch(/: message does not match the log format \(2\)$/);
    const sql = athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString!;
    expect(sql).toContain(`CASE WHEN "flow_direction" IS NULL THEN 'message does not match the log format'`);
  });

  it('nothing left out: zero counts, no warning', async () => {
    const { statistics } = await read([]);
    expect(statistics).toMatchObject({ malformedLines: 0, incompleteRecords: 0, skipdataRecords: 0 });
    expect(statistics).not.toHaveProperty('incompleteByReason');
    expect(statistics).not.toHaveProperty('warnings');
  });

  it('a table whose flow log has a field newer than sgdoctor is read, and the analysis names the field it did not read', async () => {
    const newer = `${V5} \${traffic-class}`;
    athenaMock
      .on(GetTableMetadataCommand)
      .resolves(tableMetadata('flow_logs', flowLogColumns(newer), [{ Name: 'day', Type: 'string' }], { 'projection.enabled': 'true' }));
    const pages = resultPages(10, 1000, []);
    let page = 0;
    athenaMock.on(GetQueryResultsCommand).callsFake(() => pages[page++]);
    const aggregates: FlowAggregate[] = [];
    const statistics = await source.read({ ...request, settings: { ...settings, logFormat: newer } }, (a) => aggregates.push(a));
    expect(aggregates).toHaveLength(10);
    expect(statistics.warnings).toEqual([
      {
        file: 'vpc_logs.flow_logs',
        message: 'unknown flow-log field "traffic-class" in the format: newer than sgdoctor, its column was not read',
      },
    ]);
  });

  it('a query that read no data of the table (DataScannedInBytes 0, only the header row) is named in the warnings, not read as a quiet network', async () => {
    const scannedNothing = succeeded('q-7');
    scannedNothing.QueryExecution!.Statistics!.DataScannedInBytes = 0;
    athenaMock.on(GetQueryExecutionCommand).resolves(scannedNothing);
    const { statistics, aggregates } = await read([], 0);
    expect(aggregates).toEqual([]);
    expect(statistics).toMatchObject({ bytesScanned: 0, records: 0 });
    expect(statistics.warnings).toEqual([
      {
        file: 'vpc_logs.flow_logs',
        message:
          "Athena read no data of the table for the window (0 bytes scanned): check that the table's location and partitions (added, or projected) cover the flow log's objects of these days",
      },
    ]);
  });
});
