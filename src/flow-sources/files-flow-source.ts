import type { FlowAggregate } from '../engine/flow-log/flow-record';
import type { DataPathResolver } from '../targets/data-path.resolver';
import type { FilesFlowSourceSettings } from '../targets/target-sources';
import { collectFileFlows, flowReadWarnings } from './file-flow-collector';
import type { FlowSource, FlowSourceStatistics, FlowWindowRequest } from './flow-source';

/**
 * Flows from flow-log files under the data root (plain, gzip, Parquet, directories in S3
 * layout). Paths are stored relative to the root and checked again on every read, since links
 * can change; every file read, the entries of a directory included, must really lie under the
 * root when it is opened (the others are skipped, counted and named in the warnings).
 */
export class FilesFlowSource implements FlowSource<FilesFlowSourceSettings> {
  readonly type = 'files' as const;

  constructor(private readonly paths: DataPathResolver) {}

  async read(request: FlowWindowRequest<FilesFlowSourceSettings>, sink: (aggregate: FlowAggregate) => void): Promise<FlowSourceStatistics> {
    const { settings } = request;
    const files: string[] = [];
    for (const [index, stored] of settings.paths.entries())
      files.push(await this.paths.resolveStored(`flowSource.paths[${index}]`, stored));
    const read = await collectFileFlows(
      files,
      request.window,
      { format: settings.logFormat ?? undefined, signal: request.signal, dataRoot: this.paths.root },
      sink,
    );
    const warnings = flowReadWarnings(read.stats, files, settings.paths);
    return {
      records: read.stats.records,
      rejectedRecords: read.stats.rejectRecords,
      acceptedRecords: read.stats.acceptRecords,
      malformedLines: read.stats.malformed,
      incompleteRecords: read.stats.incomplete,
      ...(read.stats.incomplete ? { incompleteByReason: read.stats.incompleteByReason } : {}),
      skipdataRecords: read.skipdataInWindow,
      recordsOutsideWindow: read.recordsOutsideWindow,
      ...(read.stats.skipped.length ? { filesSkipped: read.stats.skipped.length } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }
}
