import { AthenaClient, GetTableMetadataCommand, MetadataException } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryBuilder, type AthenaPartitionLayout } from '../../../src/aws/athena-query-builder';
import { AthenaTableInspector } from '../../../src/aws/athena-table-inspector';
import { planAthenaTable } from '../../../src/aws/athena-table-layout';
import { flowLogColumns, tableMetadata } from '../../support/aws/athena-table-metadata';

const V2 =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
const V5 = `${V2} \${vpc-id} \${subnet-id} \${tcp-flags} \${flow-direction}`;
const target = { accountId: '111122223333', region: 'eu-west-1' };
const table = { database: 'vpc_logs', table: 'flow_logs', workgroup: 'sgdoctor' };

describe('flow-log tables read with GetTableMetadata', () => {
  const athenaMock = mockClient(AthenaClient);
  const inspector = new AthenaTableInspector({ athena: () => new AthenaClient({ region: 'eu-west-1' }) });
  const plan = async (layout: AthenaPartitionLayout | null = null, logFormat: string | null = null) =>
    planAthenaTable(await inspector.read(target, table), layout, logFormat);

  beforeEach(() => athenaMock.reset());
  afterEach(() => athenaMock.reset());

  it('asks for the table by catalog, database, table and workgroup', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), []));
    await inspector.read(target, table);
    expect(athenaMock.commandCalls(GetTableMetadataCommand)[0]!.args[0].input).toEqual({
      CatalogName: 'AwsDataCatalog',
      DatabaseName: 'vpc_logs',
      TableName: 'flow_logs',
      WorkGroup: 'sgdoctor',
    });
  });

  it('the table of AWS’s documentation, partitioned by a `date` column, is compared with dates, not strings', async () => {
    // CREATE EXTERNAL TABLE … PARTITIONED BY (`date` date) — the Athena user guide's VPC flow log table.
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata(
        'flow_logs',
        flowLogColumns(V2, (n) =>
          ['srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'version'].includes(n) ? 'int' : 'string',
        ),
        [{ Name: 'date', Type: 'date' }],
      ),
    );
    const { layout, problems } = await plan();
    expect(problems).toEqual([]);
    expect(layout).toEqual({
      type: 'date-string',
      column: 'date',
      format: 'yyyy-MM-dd',
      columnType: 'date',
      accountColumn: null,
      regionColumn: null,
    });
    const { sql, parameters } = new AthenaQueryBuilder().build({
      table,
      layout,
      logFormat: V2,
      kind: 'reject',
      from: new Date('2024-05-01T00:00:00Z'),
      to: new Date('2024-05-02T00:00:00Z'),
    });
    expect(sql).toContain('"date" BETWEEN CAST(? AS date) AND CAST(? AS date)');
    expect(sql).not.toMatch(/"date" BETWEEN \? AND \?/);
    expect(parameters.slice(-2)).toEqual(["'2024-04-30'", "'2024-05-02'"]);
  });

  it('a stated date-string layout on a `date` column is typed by the table too', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), [{ Name: 'dt', Type: 'date' }]));
    const { layout, problems } = await plan({ type: 'date-string', column: 'dt', format: 'yyyy/MM/dd' });
    expect(problems).toEqual([]);
    expect(layout).toMatchObject({ type: 'date-string', column: 'dt', columnType: 'date', format: 'yyyy-MM-dd' });
  });

  it('AWS’s Hive-compatible layout: account and region partitions, integer year/month/day/hour typed as the table says', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata('flow_logs', flowLogColumns(V5), [
        { Name: 'aws-account-id', Type: 'string' },
        { Name: 'aws-service', Type: 'string' },
        { Name: 'aws-region', Type: 'string' },
        { Name: 'year', Type: 'int' },
        { Name: 'month', Type: 'int' },
        { Name: 'day', Type: 'int' },
        { Name: 'hour', Type: 'int' },
      ]),
    );
    const { layout, problems } = await plan(null, V5);
    expect(problems).toEqual([]);
    expect(layout).toEqual({
      type: 'date-parts',
      year: 'year',
      month: 'month',
      day: 'day',
      hour: 'hour',
      valueType: 'integer',
      accountColumn: 'aws-account-id',
      regionColumn: 'aws-region',
    });
    const { sql, parameters } = new AthenaQueryBuilder().build({
      table,
      layout,
      logFormat: V5,
      kind: 'reject',
      accountId: '111122223333',
      region: 'eu-west-1',
      from: new Date('2024-05-01T00:00:00Z'),
      to: new Date('2024-05-02T00:00:00Z'),
    });
    expect(sql).toContain('"aws-account-id" = ?');
    expect(sql).toContain('"aws-region" = ?');
    expect(parameters).toContain("'111122223333'");
    expect(parameters).toContain("'eu-west-1'");
  });

  it('a Parquet table partitioned by `date` and `hour` is read by the hour', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata('flow_logs', flowLogColumns(V5), [
        { Name: 'date', Type: 'date' },
        { Name: 'hour', Type: 'string' },
      ]),
    );
    const { layout, problems } = await plan();
    expect(problems).toEqual([]);
    expect(layout).toEqual({
      type: 'date-string',
      column: 'date',
      format: 'yyyy-MM-dd',
      columnType: 'date',
      hour: 'hour',
      hourType: 'string',
      accountColumn: null,
      regionColumn: null,
    });
  });

  it('a partition-projected day string takes its format from the table’s projection settings', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata(
        'flow_logs',
        flowLogColumns(V2),
        [
          { Name: 'accid', Type: 'string' },
          { Name: 'region', Type: 'string' },
          { Name: 'day', Type: 'string' },
        ],
        {
          'projection.enabled': 'true',
          'projection.day.type': 'date',
          'projection.day.format': 'yyyy/MM/dd',
          'projection.day.range': '2024/01/01,NOW',
        },
      ),
    );
    const { layout, problems } = await plan();
    expect(problems).toEqual([]);
    expect(layout).toEqual({
      type: 'date-string',
      column: 'day',
      format: 'yyyy/MM/dd',
      columnType: 'string',
      accountColumn: 'accid',
      regionColumn: 'region',
    });
  });

  it('refuses a table that lacks the columns attribution needs, naming them', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(
      tableMetadata(
        'flow_logs',
        [
          { Name: 'srcaddr', Type: 'string' },
          { Name: 'dstaddr', Type: 'string' },
        ],
        [],
      ),
    );
    const { problems } = await plan();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'flowSource.table' });
    expect(problems[0]!.message).toMatch(/no column interface_id, protocol, action/);
  });

  it('refuses a log format with fields the table has no column for, or without the needed ones', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), []));
    const { problems } = await plan(null, V5);
    expect(problems).toEqual([
      { field: 'flowSource.logFormat', message: expect.stringMatching(/no column for vpc_id, subnet_id, tcp_flags, flow_direction/) },
    ]);
    const lacking = await plan(null, '${version} ${srcaddr} ${dstaddr}');
    expect(lacking.problems.map((p) => p.message).join(' ')).toMatch(/lacks interface-id, protocol, action/);
    const garbage = await plan(null, '');
    expect(garbage.problems[0]).toMatchObject({ field: 'flowSource.logFormat' });
  });

  it('takes a log format with a field newer than sgdoctor when the table has its column, and refuses it when not', async () => {
    const newer = `${V5} \${traffic-class}`;
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(newer), []));
    expect((await plan(null, newer)).problems).toEqual([]);
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V5), []));
    expect((await plan(null, newer)).problems).toEqual([
      { field: 'flowSource.logFormat', message: expect.stringMatching(/no column for traffic_class/) },
    ]);
    // A token no flow-log field is spelled like stays refused.
    expect((await plan(null, `${V5} \${Not_A_Field}`)).problems[0]).toMatchObject({ field: 'flowSource.logFormat' });
  });

  it('a stated layout must name partition keys of the table', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), [{ Name: 'dt', Type: 'string' }]));
    const { problems } = await plan({ type: 'date-string', column: 'day', format: 'yyyy/MM/dd' });
    expect(problems).toEqual([
      {
        field: 'flowSource.layout.column',
        message: expect.stringMatching(/day is not a partition key of the table \(partition keys: dt string\)/),
      },
    ]);
  });

  it('a string date partition whose format the table does not state must be given', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), [{ Name: 'dt', Type: 'string' }]));
    const { problems } = await plan();
    expect(problems[0]).toMatchObject({ field: 'flowSource.layout', message: expect.stringMatching(/partitioned by dt.*give layout/) });
    expect((await plan({ type: 'date-string', column: 'dt', format: 'yyyy-MM-dd' })).problems).toEqual([]);
  });

  it('an unpartitioned table is read whole', async () => {
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(V2), []));
    expect(await plan()).toEqual({ layout: { type: 'none', accountColumn: null, regionColumn: null }, problems: [], delimitedText: null });
  });

  describe('whether a NULL column means the line ended before it', () => {
    /** What GetTableMetadata reports of `ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '` (AWS's documented table). */
    const TEXT = {
      inputformat: 'org.apache.hadoop.mapred.TextInputFormat',
      outputformat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
      'serde.serialization.lib': 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      'serde.param.field.delim': ' ',
    };
    const typed = (n: string) =>
      ['version', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'tcp_flags'].includes(n) ? 'int' : 'string';
    const metadata = (parameters: Record<string, string>) =>
      tableMetadata('flow_logs', flowLogColumns(V5, typed), [{ Name: 'date', Type: 'date' }], parameters);

    it('a delimited-text table (LazySimpleSerDe): its string columns, NULL only past a line’s last field', async () => {
      athenaMock.on(GetTableMetadataCommand).resolves(metadata(TEXT));
      expect((await plan()).delimitedText).toEqual({
        stringColumns: [
          'account_id',
          'interface_id',
          'srcaddr',
          'dstaddr',
          'action',
          'log_status',
          'vpc_id',
          'subnet_id',
          'flow_direction',
        ],
      });
      athenaMock.on(GetTableMetadataCommand).resolves(metadata({ ...TEXT, 'serde.param.serialization.null.format': '\\N' }));
      expect((await plan()).delimitedText).not.toBeNull();
    });

    it.each([
      [
        'Parquet (a column may be NULL in a whole record)',
        {
          inputformat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          'serde.serialization.lib': 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        },
      ],
      ['text with a NULL format of its own (a value reads as NULL)', { ...TEXT, 'serde.param.serialization.null.format': '-' }],
      ['a table that states no SerDe', {}],
    ])('%s: none', async (_, parameters) => {
      athenaMock.on(GetTableMetadataCommand).resolves(metadata(parameters));
      expect((await plan()).delimitedText).toBeNull();
    });
  });

  it('passes Athena’s MetadataException through (the caller names the table)', async () => {
    athenaMock
      .on(GetTableMetadataCommand)
      .rejects(new MetadataException({ message: 'Table flow_logs not found in database vpc_logs', $metadata: { httpStatusCode: 400 } }));
    await expect(inspector.read(target, table)).rejects.toMatchObject({ name: 'MetadataException' });
  });
});
