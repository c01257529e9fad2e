import { describe, expect, it } from 'vitest';
import type { S3FlowSource as S3FlowObjects, S3ReadStatistics } from '../../../src/aws/s3-flow-source';
import type { FlowWindowRequest } from '../../../src/flow-sources/flow-source';
import { S3TargetFlowSource } from '../../../src/flow-sources/s3-flow-source';
import type { S3FlowSourceSettings } from '../../../src/targets/target-sources';

const BUCKET = 'shop-flow-logs-111122223333';

const request: FlowWindowRequest<S3FlowSourceSettings> = {
  analysisId: 'a-1',
  attempt: 1,
  target: {
    id: 't-1',
    accountId: '111122223333',
    region: 'eu-west-1',
    access: { type: 'default-chain' },
    scope: { vpcIds: [], subnetIds: [] },
  },
  settings: {
    type: 's3',
    bucket: BUCKET,
    prefix: null,
    accountId: null,
    region: null,
    fileFormat: 'text',
    hiveCompatible: false,
    perHourPartitions: false,
    delivery: 'cloudwatch-export',
    logFormat: null,
  },
  window: { from: new Date('2026-11-24T00:00:00Z'), to: new Date('2026-11-25T00:00:00Z') },
  snapshot: {},
  signal: new AbortController().signal,
};

/** A listing that skipped these objects and read none. */
function listing(skipped: S3ReadStatistics['skipped']): S3FlowObjects {
  const statistics: S3ReadStatistics = {
    prefixes: ['exportedlogs/'],
    listRequests: 1,
    objectsListed: skipped.length,
    objectsRead: 0,
    bytesRead: 0,
    skipped,
    getRequests: 0,
    estimatedCostUsd: 0.000005,
  };
  const sources = (async function* () {})();
  return { objects: () => ({ sources, statistics }) } as unknown as S3FlowObjects;
}

describe('S3TargetFlowSource warnings', () => {
  it('names the first 20 skipped objects, then counts the rest by their reason', async () => {
    const TOO_OLD = 'an export written before the window began: it holds only log events received before it was written';
    const WRITE_TEST = 'CloudWatch Logs export write test (the permission check an export task leaves), not log data';
    const skipped = [
      ...Array.from({ length: 18 }, (_, i) => ({ object: `s3://${BUCKET}/exportedlogs/old-${i}/eni-a-all/000000.gz`, reason: TOO_OLD })),
      ...Array.from({ length: 3 }, (_, i) => ({ object: `s3://${BUCKET}/exportedlogs/task-${i}/`, reason: 'a folder marker' })),
      { object: `s3://${BUCKET}/exportedlogs/aws-logs-write-test`, reason: WRITE_TEST },
      { object: `s3://${BUCKET}/exportedlogs/old-18/eni-a-all/000000.gz`, reason: TOO_OLD },
      { object: `s3://${BUCKET}/exportedlogs/old-19/eni-a-all/000000.gz`, reason: TOO_OLD },
    ];
    const statistics = await new S3TargetFlowSource(listing(skipped)).read(request, () => undefined);
    expect(statistics.warnings!.slice(0, 20)).toEqual(
      skipped.slice(0, 20).map((s) => ({ file: s.object, message: `skipped: ${s.reason}` })),
    );
    expect(statistics.warnings!.slice(20)).toEqual([
      { file: `s3://${BUCKET}/`, message: 'skipped 1 more object: a folder marker' },
      { file: `s3://${BUCKET}/`, message: `skipped 1 more object: ${WRITE_TEST}` },
      { file: `s3://${BUCKET}/`, message: `skipped 2 more objects: ${TOO_OLD}` },
    ]);
    expect(statistics.s3).toMatchObject({ objectsListed: 24, objectsSkipped: 24, objectsRead: 0 });
  });
});

describe('S3TargetFlowSource malformed lines', () => {
  it('names each malformed line with its object, line and reason', async () => {
    const name = `s3://${BUCKET}/exportedlogs/task-1/eni-a-all/000000.gz`;
    const text = [
      '2026-11-24T10:00:00.000Z 2 111122223333 eni-a 10.0.1.1 10.0.0.5 40000 22 6 1 60 1795514400 1795514460 REJECT OK',
      '2 111122223333 eni-a 10.0.1.2 10.0.0.5 40000 22 6 1 60 1795514400 1795514460 REJECT OK',
    ].join('\n');
    const statistics: S3ReadStatistics = {
      prefixes: ['exportedlogs/'],
      listRequests: 1,
      objectsListed: 1,
      objectsRead: 1,
      bytesRead: text.length,
      skipped: [],
      getRequests: 1,
      estimatedCostUsd: 0.000005,
    };
    const sources = (async function* () {
      yield {
        name,
        open: () =>
          (async function* () {
            yield Buffer.from(text);
          })(),
      };
    })();
    const objects = { objects: () => ({ sources, statistics }) } as unknown as S3FlowObjects;
    const read = await new S3TargetFlowSource(objects).read(request, () => undefined);
    expect(read).toMatchObject({ rejectedRecords: 1, malformedLines: 1 });
    expect(read.warnings).toEqual([
      { file: name, message: expect.stringMatching(/^line 2 is malformed, not in the analysis: no CloudWatch Logs export timestamp/) },
    ]);
  });
});

describe('S3TargetFlowSource Transit Gateway flow logs', () => {
  it('an object that is a Transit Gateway flow log (delivered under the same prefix) is skipped and named; the others are read', async () => {
    const prefix = `s3://${BUCKET}/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24/`;
    const objects: [string, string][] = [
      [
        `${prefix}111122223333_vpcflowlogs_eu-west-1_fl-0tgw_20261124T1000Z_a1.log`,
        'version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n' +
          '6 TransitGateway 111122223333 tgw-0a1 tgw-attach-0a1 10.0.0.1 10.1.0.1 40000 443 6 1 60 1795514400 1795514460 OK\n',
      ],
      [
        `${prefix}111122223333_vpcflowlogs_eu-west-1_fl-0vpc_20261124T1000Z_b2.log`,
        'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
          '2 111122223333 eni-a 10.0.1.1 10.0.0.5 40000 22 6 1 60 1795514400 1795514460 REJECT OK\n',
      ],
    ];
    const statistics: S3ReadStatistics = {
      prefixes: [prefix],
      listRequests: 1,
      objectsListed: 2,
      objectsRead: 2,
      bytesRead: 0,
      skipped: [],
      getRequests: 2,
      estimatedCostUsd: 0.000006,
    };
    const sources = (async function* () {
      for (const [name, text] of objects)
        yield {
          name,
          open: () =>
            (async function* () {
              yield Buffer.from(text);
            })(),
        };
    })();
    const listing = { objects: () => ({ sources, statistics }) } as unknown as S3FlowObjects;
    const aggregates: string[] = [];
    const read = await new S3TargetFlowSource(listing).read({ ...request, settings: { ...request.settings, delivery: 'flow-logs' } }, (a) =>
      aggregates.push(a.srcaddr),
    );
    expect(aggregates).toEqual(['10.0.1.1']);
    expect(read).toMatchObject({ records: 1, rejectedRecords: 1, malformedLines: 0 });
    expect(read.warnings).toEqual([{ file: objects[0][0], message: expect.stringMatching(/^skipped: a Transit Gateway flow log/) }]);
  });
});
