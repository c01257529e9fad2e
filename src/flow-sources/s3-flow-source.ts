import type { S3FlowSource as S3FlowObjects } from '../aws/s3-flow-source';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { partialResultsMessage } from '../flow-files/cloudwatch-subscription';
import { drainFlowSources, streamBytes } from '../flow-files/flow-file-reader';
import { awsTargetOf } from '../snapshots/aws-target-of.util';
import type { S3FlowSourceSettings } from '../targets/target-sources';
import { malformedLineWarnings } from './file-flow-collector';
import type { FlowSource, FlowSourceStatistics, FlowSourceWarning, FlowWindowRequest } from './flow-source';

/** Objects named one by one in the warnings; past this many, the rest are counted by reason. */
const MAX_NAMED_SKIPS = 20;

/**
 * Flows from flow-log files in S3, read without Athena: the window's delivery prefixes listed,
 * each object streamed through the reader and the collector the files source uses, so the
 * aggregates and their records per hour are the files source's for the same files. Objects
 * skipped (by the listing, or as a Transit Gateway flow log once read) or not readable to their
 * end, and malformed lines, are named in the warnings.
 */
export class S3TargetFlowSource implements FlowSource<S3FlowSourceSettings> {
  readonly type = 's3' as const;

  constructor(private readonly objects: S3FlowObjects) {}

  async read(request: FlowWindowRequest<S3FlowSourceSettings>, sink: (aggregate: FlowAggregate) => void): Promise<FlowSourceStatistics> {
    const { settings } = request;
    const { sources, statistics: s3 } = this.objects.objects({
      target: awsTargetOf(request.target),
      config: settings,
      from: request.window.from,
      to: request.window.to,
      signal: request.signal,
    });
    // Each object's bytes as the reader takes a stream's: gunzipped when they start with gzip's magic bytes.
    const byteSources = (async function* () {
      for await (const object of sources) {
        yield { name: object.name, open: () => streamBytes(object.open() as unknown as NodeJS.ReadableStream), listed: true };
      }
    })();
    // The files source's reading: one pass, the window kept by the reader, REJECT records counted per hour.
    const read = await drainFlowSources(
      byteSources,
      {
        format: settings.logFormat ?? undefined,
        actions: ['ACCEPT', 'REJECT'],
        window: request.window,
        hourly: true,
        signal: request.signal,
      },
      sink,
    );
    const stats = read.stats;
    const warnings: FlowSourceWarning[] = [
      ...stats.readErrors.map((e) => ({
        file: e.file,
        message: `cannot be read to its end: ${e.error} (the records read before were used)`,
      })),
      ...s3.skipped.slice(0, MAX_NAMED_SKIPS).map((s) => ({ file: s.object, message: `skipped: ${s.reason}` })),
      ...[...countByReason(s3.skipped.slice(MAX_NAMED_SKIPS))].map(([reason, count]) => ({
        file: `s3://${settings.bucket}/`,
        message: `skipped ${count} more object${count === 1 ? '' : 's'}: ${reason}`,
      })),
      // Objects read and found not to be VPC flow logs (a Transit Gateway flow log).
      ...stats.skipped.map((s) => ({ file: s.file, message: `skipped: ${s.reason}` })),
      ...stats.partialResults.map((p) => ({ file: p.file, message: partialResultsMessage(p.status) })),
      ...stats.unknownFields.map((u) => ({ file: u.file, message: `unknown flow-log field "${u.field}": values kept under its name` })),
      ...malformedLineWarnings(stats, (file) => file, `s3://${settings.bucket}/`),
      ...nothingListed(settings.bucket, s3.prefixes, s3.objectsListed),
    ];
    return {
      records: stats.records,
      rejectedRecords: stats.rejectRecords,
      acceptedRecords: stats.acceptRecords,
      malformedLines: stats.malformed,
      incompleteRecords: stats.incomplete,
      ...(stats.incomplete ? { incompleteByReason: stats.incompleteByReason } : {}),
      skipdataRecords: read.skipdataInWindow,
      recordsOutsideWindow: read.recordsOutsideWindow,
      estimatedCostUsd: s3.estimatedCostUsd,
      s3: {
        prefixes: s3.prefixes.length,
        listRequests: s3.listRequests,
        getRequests: s3.getRequests,
        objectsListed: s3.objectsListed,
        objectsRead: s3.objectsRead,
        objectsSkipped: s3.skipped.length,
        bytesRead: s3.bytesRead,
      },
      ...(warnings.length ? { warnings } : {}),
    };
  }
}

/**
 * A warning when the window's prefixes hold no object at all. S3 lists a prefix that matches no
 * key as an empty page (`KeyCount` 0), not an error, so a bucket, prefix or layout that does not
 * match where the flow log delivers would otherwise read as a window without traffic.
 */
function nothingListed(bucket: string, prefixes: readonly string[], listed: number): FlowSourceWarning[] {
  if (listed > 0 || prefixes.length === 0) return [];
  const n = prefixes.length;
  const range = n > 1 ? `, s3://${bucket}/${prefixes[0]} to s3://${bucket}/${prefixes[n - 1]}` : '';
  return [
    {
      file: `s3://${bucket}/${prefixes[0]}`,
      message: `S3 lists no object under the window's ${n} delivery prefix${n === 1 ? '' : 'es'}${range}: check the bucket, prefix and layout (hiveCompatible, perHourPartitions, accountId, region, delivery) against the flow log's destination`,
    },
  ];
}

/** How many objects were skipped for each reason, in the order the reasons first appear. */
function countByReason(skipped: ReadonlyArray<{ reason: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { reason } of skipped) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return counts;
}
