import { describe, expect, it } from 'vitest';
import { scanPrefixes, s3LocationOf, type ScanPrefixInput } from '../../../src/costs/scan-prefixes';

const base = {
  accountId: '111122223333',
  region: 'eu-west-1',
  from: new Date('2026-11-24T10:00:00Z'),
  to: new Date('2026-11-24T12:00:00Z'),
};
const urls = (input: ScanPrefixInput) => scanPrefixes(input)?.locations.map((l) => `s3://${l.bucket}/${l.prefix}`);

describe('the S3 prefixes a window scan reads', () => {
  it('AWS Hive-compatible partitions (account, service, region, year, month, day, hour): the hours of the window with the slack', () => {
    const result = scanPrefixes({
      ...base,
      parameters: { location: 's3://archive/AWSLogs/' },
      partitionKeys: ['aws-account-id', 'aws-service', 'aws-region', 'year', 'month', 'day', 'hour'],
      layout: {
        type: 'date-parts',
        year: 'year',
        month: 'month',
        day: 'day',
        hour: 'hour',
        accountColumn: 'aws-account-id',
        regionColumn: 'aws-region',
      },
    });
    expect(result?.basis).toBe('hive-partitions');
    expect(result?.locations.map((l) => l.prefix)).toEqual(
      ['09', '10', '11', '12', '13'].map(
        (h) => `AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=11/day=24/hour=${h}/`,
      ),
    );
  });

  it('a projection template with an hourly value: whole days are listed by their common beginning, the ends by the hour', () => {
    const out = urls({
      ...base,
      from: new Date('2026-11-23T22:30:00Z'),
      to: new Date('2026-11-25T01:00:00Z'),
      parameters: { 'storage.location.template': 's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/${hour_day}' },
      partitionKeys: ['hour_day'],
      layout: { type: 'date-string', column: 'hour_day', format: 'yyyy/MM/dd/HH' },
    });
    expect(out).toEqual([
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/23/21',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/23/22',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/23/23',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24/',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/25/00',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/25/01',
      's3://logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/25/02',
    ]);
  });

  it('a placeholder without a known value ends the prefix there (more is listed, never less)', () => {
    const out = urls({
      ...base,
      parameters: { 'storage.location.template': 's3://logs/AWSLogs/${account}/vpcflowlogs/${region}/${day}' },
      partitionKeys: ['account', 'region', 'day'],
      layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd', accountColumn: null, regionColumn: null },
    });
    expect(out).toEqual(['s3://logs/AWSLogs/']);
  });

  it('no table location: the flow log destination in the delivery layout; an unpartitioned table: all of it; neither: null', () => {
    expect(
      urls({
        ...base,
        parameters: {},
        partitionKeys: ['dt'],
        logDestination: 'arn:aws:s3:::shop-logs/vpc',
        layout: { type: 'date-string', column: 'dt', format: 'yyyy-MM-dd' },
      }),
    ).toEqual(['s3://shop-logs/vpc/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24/']);
    expect(scanPrefixes({ ...base, parameters: { location: 's3://flat/logs' }, partitionKeys: [], layout: { type: 'none' } })).toEqual({
      basis: 'table-location',
      locations: [{ bucket: 'flat', prefix: 'logs' }],
    });
    expect(scanPrefixes({ ...base, parameters: {}, partitionKeys: [], layout: { type: 'none' } })).toBeNull();
    expect(s3LocationOf('https://example.com/x')).toBeNull();
  });
});
