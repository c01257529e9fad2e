import type { S3Client } from '@aws-sdk/client-s3';
import {
  CLOUDWATCH_EXPORT_DEFAULT_PREFIX,
  CLOUDWATCH_EXPORT_WRITE_TEST_REASON,
  isCloudWatchExportWriteTest,
} from '../engine/flow-log/cloudwatch-export';
import { failsTheRead } from '../common/errors/fails-the-read.util';
import { retryabilityOf } from '../common/errors/retryability';
import { partitionSpans } from './athena-query-builder';
import { AwsAdapterError } from './aws-adapter.error';
import { s3Sdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { withFailedCall } from './failed-call.util';
import { guardedPages } from './paginated.util';

/** One object: its `s3://` name and its bytes as stored (gzip and Parquet left to the reader). */
export interface S3ObjectSource {
  name: string;
  open(): AsyncIterable<Buffer>;
}

export interface S3ClientProvider {
  s3(target: AwsTarget): S3Client;
}

/**
 * Where flow-log files lie in a bucket. `flow-logs`: as VPC Flow Logs delivers them
 * (`<prefix>/AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/[HH/]`, or Hive-compatible
 * `<prefix>/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year=YYYY/month=MM/day=DD/[hour=HH/]`).
 * `firehose`: as Data Firehose writes them (`<prefix>YYYY/MM/DD/HH/`, UTC, records one per line, no header).
 * `cloudwatch-export`: as a CloudWatch Logs export task (CreateExportTask) writes them
 * (`<prefix>/<task id>/<log stream>/000000.gz`, `<prefix>` its destinationPrefix, `exportedlogs` by
 * default): no date in the keys, so everything under the prefix is listed.
 */
export interface S3FlowSourceConfig {
  bucket: string;
  prefix?: string | null;
  /** The account and region in the delivery path; the target's when absent (a central bucket names others). */
  accountId?: string | null;
  region?: string | null;
  fileFormat: 'text' | 'parquet';
  hiveCompatible?: boolean | null;
  perHourPartitions?: boolean | null;
  delivery?: 'flow-logs' | 'firehose' | 'cloudwatch-export' | null;
}

export interface S3FlowRequest {
  target: AwsTarget;
  config: S3FlowSourceConfig;
  from: Date;
  to: Date;
  signal?: AbortSignal | null;
}

export interface S3ReadStatistics {
  /** The prefixes listed, in order. */
  prefixes: string[];
  listRequests: number;
  /** Objects listed under the prefixes, read or not. */
  objectsListed: number;
  objectsRead: number;
  /** Bytes transferred (compressed, as stored). */
  bytesRead: number;
  /**
   * Objects not read, with why (not of the target's file format, a folder marker, a CloudWatch Logs
   * export's write test, an export written before the window began). The reasons are fixed phrases, so they can be counted.
   */
  skipped: { object: string; reason: string }[];
  getRequests: number;
  /** S3 request charges of the listing and the GETs (data transfer within the region is free). */
  estimatedCostUsd: number;
}

export interface S3FlowSourceSettings {
  /** Objects fetched ahead of the one being read: their bodies wait, back-pressured, in their sockets. */
  prefetch: number;
  /**
   * Partitions are cut by delivery time, which trails the records' start: this much more on both
   * sides. Also the margin for clocks when an export's LastModified is compared with the window's start.
   */
  partitionSlackSeconds: number;
  /** S3 Standard request prices (US East, 2026), per 1,000 requests. */
  getPricePer1000Usd: number;
  listPricePer1000Usd: number;
}

export type S3FlowSourceOptions = Partial<S3FlowSourceSettings>;

const DEFAULT_OPTIONS: S3FlowSourceSettings = {
  prefetch: 4,
  partitionSlackSeconds: 3600,
  getPricePer1000Usd: 0.0004,
  listPricePer1000Usd: 0.005,
};

/** Why an export written before the window began is not read (a fixed phrase: skips are counted by reason). */
const WRITTEN_BEFORE_WINDOW_REASON = 'an export written before the window began: it holds only log events received before it was written';

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Reads flow-log files straight from S3, without Athena: lists only the prefixes of the window's
 * days (or hours) with the SDK paginator — or, for a CloudWatch Logs export, whose keys carry no
 * date, everything under its prefix, fetching only the objects written since the window began —
 * and hands each object to the flow-file reader as a byte source — the reader the files source
 * uses, so gzip text, Parquet, Firehose's newline-delimited records and an export's timestamped
 * messages are read alike. Objects are fetched `prefetch` ahead of the one being
 * read; a body not yet read waits in its socket (back-pressure), so memory stays bounded by a few
 * stream buffers (and one Parquet object, which is read whole). An object S3 refuses to give
 * (deleted since it was listed, denied, archived) or that cannot be read to its end is named by the
 * reader (`readErrors`); a GET still throttled or failing on S3's side after the SDK's retries,
 * or a body that breaks off (a connection reset), fails the read, naming the object, so the window
 * is read again later rather than without it.
 * Objects skipped (of the other format, folder markers, an export's write test or an export
 * written too early) are named in `skipped`.
 */
export class S3FlowSource {
  private readonly options: S3FlowSourceSettings;

  constructor(
    private readonly clients: S3ClientProvider,
    options: S3FlowSourceOptions = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    if (!Number.isInteger(this.options.prefetch) || this.options.prefetch < 1) {
      throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', 'prefetch must be a positive integer');
    }
  }

  /** The delivery prefixes holding the window's files (widened by the slack), oldest first. */
  prefixes(request: Pick<S3FlowRequest, 'target' | 'config' | 'from' | 'to'>): string[] {
    const { config } = request;
    if (config.delivery === 'cloudwatch-export') return [exportPrefix(config.prefix)];
    const account = config.accountId ?? request.target.accountId;
    const region = config.region ?? request.target.region;
    if (!ACCOUNT_ID.test(account)) throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', `"${account}" is not an AWS account id`);
    if (!REGION.test(region)) throw new AwsAdapterError('AWS.INVALID_CONFIGURATION', `"${region}" is not an AWS region`);
    const firehose = config.delivery === 'firehose';
    const hourly = firehose || config.perHourPartitions === true;
    const slackMs = this.options.partitionSlackSeconds * 1000;
    const first = new Date(request.from.getTime() - slackMs);
    const last = new Date(request.to.getTime() + slackMs);
    const raw = config.prefix ?? '';
    let base: string;
    if (firehose) base = raw;
    else {
      const root = raw === '' ? '' : raw.endsWith('/') ? raw : `${raw}/`;
      base = config.hiveCompatible
        ? `${root}AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/`
        : `${root}AWSLogs/${account}/vpcflowlogs/${region}/`;
    }
    const out: string[] = [];
    for (const span of partitionSpans(first, last, hourly)) {
      for (let day = span.from.getTime(); day <= span.to.getTime(); day += 86_400_000) {
        const [y, m, d] = new Date(day).toISOString().slice(0, 10).split('-');
        const dayPrefix = config.hiveCompatible && !firehose ? `${base}year=${y}/month=${m}/day=${d}/` : `${base}${y}/${m}/${d}/`;
        if (!hourly) {
          out.push(dayPrefix);
          continue;
        }
        const [h1, h2] = span.hours ?? [0, 23];
        for (let h = h1; h <= h2; h++) {
          const hh = String(h).padStart(2, '0');
          out.push(config.hiveCompatible && !firehose ? `${dayPrefix}hour=${hh}/` : `${dayPrefix}${hh}/`);
        }
      }
    }
    return out;
  }

  /**
   * The window's objects as byte sources for the flow-file reader, and the statistics they fill
   * in while they are read (complete once the sources are exhausted).
   */
  objects(request: S3FlowRequest): { sources: AsyncIterable<S3ObjectSource>; statistics: S3ReadStatistics } {
    const prefixes = this.prefixes(request);
    const statistics: S3ReadStatistics = {
      prefixes,
      listRequests: 0,
      objectsListed: 0,
      objectsRead: 0,
      bytesRead: 0,
      skipped: [],
      getRequests: 0,
      estimatedCostUsd: 0,
    };
    const client = this.clients.s3(request.target);
    const { GetObjectCommand, paginateListObjectsV2 } = s3Sdk();
    const { bucket } = request.config;
    const signal = request.signal ?? undefined;
    // An export task writes only the log events CloudWatch Logs had received when it ran, and a
    // flow-log record is received after its capture window ends; the reader keeps a record when its
    // end is not before the window's start. So an export whose object was written (LastModified)
    // before the window began holds no record of it and is not fetched; one written later is read
    // whatever the time range it exported, and the reader keeps the window's records. The margin
    // allows for the clocks that stamp records and objects.
    const writtenTooEarly =
      request.config.delivery === 'cloudwatch-export'
        ? (lastModified: Date | undefined) =>
            lastModified !== undefined && lastModified.getTime() < request.from.getTime() - this.options.partitionSlackSeconds * 1000
        : () => false;
    const wanted = (key: string, lastModified: Date | undefined): string | null => {
      if (key.endsWith('/')) return 'a folder marker';
      if (isCloudWatchExportWriteTest(key)) return CLOUDWATCH_EXPORT_WRITE_TEST_REASON;
      const parquet = key.endsWith('.parquet');
      if (request.config.fileFormat === 'parquet' && !parquet) return 'not a Parquet object (the target reads Parquet)';
      if (request.config.fileFormat === 'text' && parquet) return 'a Parquet object (the target reads text)';
      if (writtenTooEarly(lastModified)) return WRITTEN_BEFORE_WINDOW_REASON;
      return null;
    };
    const price = () => {
      statistics.estimatedCostUsd =
        Math.round(
          ((statistics.listRequests * this.options.listPricePer1000Usd + statistics.getRequests * this.options.getPricePer1000Usd) / 1000) *
            1e8,
        ) / 1e8;
    };
    const target = request.target;
    const keys = async function* (): AsyncGenerator<string> {
      for (const prefix of prefixes) {
        // ListObjectsV2 is authorised as s3:ListBucket; S3's refusal says only "Access Denied".
        const operation = `s3:ListBucket on s3://${bucket}/${prefix}`;
        const pages = guardedPages(paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix }), {
          operation,
          next: (page) => page.NextContinuationToken,
          truncated: (page) => page.IsTruncated,
        });
        try {
          for await (const page of pages) {
            statistics.listRequests++;
            price();
            signal?.throwIfAborted();
            for (const object of page.Contents ?? []) {
              if (!object.Key) continue;
              statistics.objectsListed++;
              const reason = wanted(object.Key, object.LastModified);
              if (reason) statistics.skipped.push({ object: `s3://${bucket}/${object.Key}`, reason });
              else yield object.Key;
            }
          }
        } catch (error) {
          throw withFailedCall(error, operation, target);
        }
      }
    };
    const fetch = (key: string) => {
      statistics.getRequests++;
      price();
      // Settled here so a failed GET waiting its turn is not an unhandled rejection; the reader reports it.
      return Promise.resolve()
        .then(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }))
        .then(
          (output) => ({ ok: true as const, output }),
          (error: unknown) => ({ ok: false as const, error }),
        );
    };
    const prefetch = this.options.prefetch;
    const sources = async function* (): AsyncGenerator<S3ObjectSource> {
      const ahead: Array<{ key: string; response: ReturnType<typeof fetch> }> = [];
      const iterator = keys();
      let listed = false;
      const fill = async () => {
        while (!listed && ahead.length < prefetch) {
          const next = await iterator.next();
          if (next.done) listed = true;
          else ahead.push({ key: next.value, response: fetch(next.value) });
        }
      };
      // GETs S3 answered, and the first it refused as not authorised, with how many it refused so.
      let answered = 0;
      const denied = { first: null as { error: unknown; name: string } | null, count: 0 };
      try {
        for (await fill(); ahead.length > 0; await fill()) {
          const { key, response } = ahead.shift()!;
          const name = `s3://${bucket}/${key}`;
          const got = await response;
          // Throttling, S3's own failures and a lost connection outlasted the SDK's retries: the
          // window fails, to be read again later, rather than lose the object's records.
          if (!got.ok && !refusedForThisObject(got.error)) throw withFailedCall(got.error, `s3:GetObject on ${name}`, target);
          if (got.ok) answered++;
          else if ((got.error as { name?: unknown } | null)?.name === 'AccessDenied') {
            denied.count++;
            denied.first ??= { error: got.error, name };
          }
          yield {
            name,
            open: () =>
              (async function* (): AsyncGenerator<Buffer> {
                const got = await response;
                if (!got.ok) throw got.error;
                const body = got.output.Body as NodeJS.ReadableStream | undefined;
                if (!body) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', `GetObject of ${name} returned no body`);
                statistics.objectsRead++;
                // A body that breaks off (a connection reset) fails the read: the object may be whole next time.
                const failed = (error: unknown) => failsTheRead(withFailedCall(error, `s3:GetObject on ${name}`, target));
                for await (const chunk of counted(body, statistics, failed)) yield chunk;
              })(),
          };
        }
        // Every GET refused as not authorised (s3:GetObject granted on the bucket rather than its
        // objects, a KMS key the role may not use): the read role is wrong, not these objects.
        if (answered === 0 && denied.first) {
          const { error, name } = denied.first;
          if (error instanceof Error) error.message = `${error.message}; S3 refused every object of the window (${denied.count})`;
          throw withFailedCall(error, `s3:GetObject on ${name}`, target);
        }
      } finally {
        // A read stopped early (cancelled analysis) releases the connections fetched ahead.
        for (const { response } of ahead.splice(0)) {
          void response.then((got) => {
            if (got.ok) (got.output.Body as { destroy?: () => void } | undefined)?.destroy?.();
          });
        }
      }
    };
    return { sources: sources(), statistics };
  }
}

/**
 * Whether S3 refused the GET of this one object (`NoSuchKey`: deleted since it was listed,
 * `AccessDenied`, `InvalidObjectState`: archived): the reader names it and reads the others. S3
 * asks for `SlowDown` and `InternalError` to be retried, so those, like any other failure, are
 * not this object's.
 */
function refusedForThisObject(error: unknown): boolean {
  return (error as { $fault?: unknown } | null)?.$fault === 'client' && retryabilityOf(error).kind !== 'throttled';
}

/**
 * The prefix an export task wrote under, as listed: its destinationPrefix (`exportedlogs` when
 * none) as a folder, so `exports` does not list `exports-2025/`; empty, the whole bucket.
 */
function exportPrefix(prefix: string | null | undefined): string {
  const raw = prefix ?? CLOUDWATCH_EXPORT_DEFAULT_PREFIX;
  return raw === '' || raw.endsWith('/') ? raw : `${raw}/`;
}

/** The object's bytes as stored, counted as they arrive. */
async function* counted(
  body: NodeJS.ReadableStream,
  statistics: S3ReadStatistics,
  failed: (error: unknown) => unknown,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      statistics.bytesRead += buffer.length;
      yield buffer;
    }
  } catch (error) {
    // Only the body's own errors land here: the reader never throws into this generator.
    throw failed(error);
  }
}
