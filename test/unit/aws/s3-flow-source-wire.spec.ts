import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AwsClientFactory } from '../../../src/aws/aws-client.factory';
import { S3FlowSource } from '../../../src/aws/s3-flow-source';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { S3TargetFlowSource } from '../../../src/flow-sources/s3-flow-source';
import type { S3FlowSourceSettings } from '../../../src/targets/target-sources';
import { FakeHttpHandler, type FakeResponse, type RecordedRequest } from '../../support/aws/fake-http-handler';

/**
 * The S3 source through a real S3Client: ListObjectsV2 and GetObject answered with what S3 writes
 * (XML listings, XML errors with their HTTP status), so the SDK's own retries and error
 * deserialisation run as they do against S3 (aws-sdk-client-mock would patch every S3 client of
 * a file, so these live apart from s3-flow-source.spec.ts).
 */
const BUCKET = 'shop-flow-logs-111122223333';
const DAY = 'AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24/';
const KEYS = [
  `${DAY}111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f60001_20261124T1005Z_3f2a1b0c.log.gz`,
  `${DAY}111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f60001_20261124T1010Z_8e7d6c5b.log.gz`,
];
const WINDOW = { from: new Date('2026-11-24T10:00:00Z'), to: new Date('2026-11-24T11:00:00Z') };
const SETTINGS: S3FlowSourceSettings = {
  type: 's3',
  bucket: BUCKET,
  prefix: null,
  accountId: null,
  region: null,
  fileFormat: 'text',
  hiveCompatible: false,
  perHourPartitions: false,
  delivery: 'flow-logs',
  logFormat: null,
};
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** A version-2 flow-log file as delivered to S3: header line, then one REJECT record. */
const flowLogFile = (srcport: number) =>
  gzipSync(
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
      `2 111122223333 eni-0a1b2c3d4e5f60001 10.0.2.15 10.0.1.20 ${srcport} 5432 6 3 180 1795514700 1795514760 REJECT OK\n`,
  );

const listing = (prefix: string, keys: readonly string[]): FakeResponse => ({
  status: 200,
  headers: { 'content-type': 'application/xml' },
  body:
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><Prefix>${prefix}</Prefix>` +
    `<KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
    keys
      .map(
        (key) =>
          `<Contents><Key>${key}</Key><LastModified>2026-11-24T10:15:02.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>212</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('') +
    '</ListBucketResult>',
});

const s3Error = (status: number, code: string, message: string): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>hQ3Ls4ZQp1k0b+example=</HostId></Error>`,
});

/** The object key a GetObject names (virtual-hosted style: the path is the key), or null for a listing. */
const keyOf = (request: RecordedRequest) => (request.query?.['list-type'] ? null : decodeURIComponent(request.path.replace(/^\//, '')));

function source(respondToGet: (key: string) => FakeResponse, keys: readonly string[] = KEYS) {
  const handler = new FakeHttpHandler((request) => {
    const key = keyOf(request);
    if (key === null) {
      const prefix = String(request.query?.prefix ?? '');
      return listing(prefix, prefix === DAY ? keys : []);
    }
    return respondToGet(key);
  });
  const factory = new AwsClientFactory({
    env: {},
    clientConfig: { requestHandler: handler, credentials, retryStrategy: new ConfiguredRetryStrategy(3, 1) },
  });
  const flows = new S3TargetFlowSource(new S3FlowSource(factory));
  const read = (sink: (aggregate: FlowAggregate) => void = () => undefined) =>
    flows.read(
      {
        analysisId: 'an-1',
        attempt: 0,
        target: {
          id: 't-1',
          accountId: '111122223333',
          region: 'eu-west-1',
          access: { type: 'default-chain' },
          scope: { vpcIds: [], subnetIds: [] },
        },
        settings: SETTINGS,
        window: WINDOW,
        snapshot: {},
        signal: new AbortController().signal,
      },
      sink,
    );
  return { handler, read };
}

describe('S3 flow source over the S3 wire protocol', () => {
  const gets = (handler: FakeHttpHandler, key: string) => handler.requests.filter((r) => keyOf(r) === key).length;

  it('an object S3 keeps answering SlowDown fails the window as throttled, to be tried again later, instead of dropping its records', async () => {
    const { handler, read } = source((key) =>
      key === KEYS[1] ? s3Error(503, 'SlowDown', 'Please reduce your request rate.') : { status: 200, body: '' },
    );
    const error = await read().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503, attempts: 3 } });
    expect((error as Error).message).toBe(
      `s3:GetObject on s3://${BUCKET}/${KEYS[1]} (account 111122223333, eu-west-1): Please reduce your request rate.`,
    );
    expect(gets(handler, KEYS[1])).toBe(3);
    expect(classifyFailure(error)).toMatchObject({ code: 'AWS.THROTTLED', permanent: false });
  });

  it('an InternalError that outlasts the retries fails the window (S3 says to retry it), naming the object', async () => {
    const { handler, read } = source((key) =>
      key === KEYS[0] ? s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.') : { status: 200, body: '' },
    );
    const error = await read().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500, attempts: 3 } });
    expect((error as Error).message).toContain(`s3:GetObject on s3://${BUCKET}/${KEYS[0]}`);
    expect(gets(handler, KEYS[0])).toBe(3);
    expect(classifyFailure(error).permanent).toBe(false);
  });

  it('a throttled GET that succeeds on the SDK’s retry is read; an object deleted since it was listed (NoSuchKey) is named and the rest read', async () => {
    let throttledOnce = false;
    const { handler, read } = source((key) => {
      if (key === KEYS[0] && !throttledOnce) {
        throttledOnce = true;
        return s3Error(503, 'SlowDown', 'Please reduce your request rate.');
      }
      if (key === KEYS[1]) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      return { status: 200, headers: { 'content-type': 'application/x-gzip' }, body: flowLogFile(40000) };
    });
    const aggregates: FlowAggregate[] = [];
    const statistics = await read((a) => aggregates.push(a));
    expect(gets(handler, KEYS[0])).toBe(2);
    expect(aggregates).toHaveLength(1);
    expect(statistics).toMatchObject({ rejectedRecords: 1, s3: { objectsListed: 2, objectsRead: 1 } });
    expect(statistics.warnings).toEqual([
      {
        file: `s3://${BUCKET}/${KEYS[1]}`,
        message: 'cannot be read to its end: The specified key does not exist. (the records read before were used)',
      },
    ]);
  });

  it('a window whose prefixes S3 lists empty (KeyCount 0, no error) is named in the warnings: a wrong prefix or layout reads as no traffic otherwise', async () => {
    const { handler, read } = source(() => ({ status: 500, body: '' }), []);
    const statistics = await read();
    expect(handler.requests.map((r) => r.query?.prefix)).toEqual([DAY]);
    expect(statistics).toMatchObject({ records: 0, s3: { prefixes: 1, objectsListed: 0, getRequests: 0 } });
    expect(statistics.warnings).toEqual([
      {
        file: `s3://${BUCKET}/${DAY}`,
        message:
          "S3 lists no object under the window's 1 delivery prefix: check the bucket, prefix and layout (hiveCompatible, perHourPartitions, accountId, region, delivery) against the flow log's destination",
      },
    ]);
  });

  it('an object whose body breaks off mid-way (connection reset) fails the window, naming it, rather than keep part of its records', async () => {
    const whole = flowLogFile(40000);
    const { read } = source((key) => ({
      status: 200,
      headers: { 'content-type': 'application/x-gzip', 'content-length': String(whole.length) },
      body: '',
      stream: () =>
        key === KEYS[1]
          ? Readable.from(
              (async function* () {
                yield whole.subarray(0, 20);
                throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
              })(),
            )
          : Readable.from([whole]),
    }));
    const error = await read().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect((error as Error).message).toBe(`s3:GetObject on s3://${BUCKET}/${KEYS[1]} (account 111122223333, eu-west-1): read ECONNRESET`);
    expect(classifyFailure(error).permanent).toBe(false);
  });

  it('when S3 refuses every GET (AccessDenied: s3:GetObject granted on the bucket, not its objects), the window fails naming the call', async () => {
    const { handler, read } = source(() => s3Error(403, 'AccessDenied', 'Access Denied'));
    const error = await read().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403, attempts: 1 } });
    expect((error as Error).message).toBe(
      `s3:GetObject on s3://${BUCKET}/${KEYS[0]} (account 111122223333, eu-west-1): Access Denied; S3 refused every object of the window (2)`,
    );
    expect(handler.requests.filter((r) => keyOf(r) !== null)).toHaveLength(2);
    expect(classifyFailure(error)).toMatchObject({ code: 'AWS.AccessDenied', permanent: true });
  });
});
