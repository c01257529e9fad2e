import { describe, expect, it } from 'vitest';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type { FlowSource, FlowWindowRequest } from '../../../src/flow-sources/flow-source';
import { FlowSourceRegistry, type FlowSourceMap } from '../../../src/flow-sources/flow-source.registry';
import type {
  AthenaFlowSourceSettings,
  CloudWatchLogsFlowSourceSettings,
  FilesFlowSourceSettings,
  FlowSourceSettings,
  S3FlowSourceSettings,
} from '../../../src/targets/target-sources';

function recording<S extends FlowSourceSettings>(type: S['type'], reads: string[]): FlowSource<S> {
  return {
    type,
    read: async (request: FlowWindowRequest<S>, sink: (aggregate: FlowAggregate) => void) => {
      reads.push(`${type}:${request.analysisId}`);
      sink({ interfaceId: `eni-${type}` } as FlowAggregate);
      return { records: 1 };
    },
  };
}

const request = (settings: FlowSourceSettings): FlowWindowRequest => ({
  analysisId: 'a-1',
  attempt: 1,
  target: {
    id: 't-1',
    accountId: '123456789012',
    region: 'eu-west-1',
    access: { type: 'default-chain' },
    scope: { vpcIds: [], subnetIds: [] },
  },
  settings,
  window: { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z') },
  snapshot: {},
  signal: new AbortController().signal,
});

describe('FlowSourceRegistry', () => {
  it('reads a window with the source of the settings’ type, streaming its aggregates', async () => {
    const reads: string[] = [];
    const registry = new FlowSourceRegistry({
      athena: recording<AthenaFlowSourceSettings>('athena', reads),
      files: recording<FilesFlowSourceSettings>('files', reads),
      'cloudwatch-logs': recording<CloudWatchLogsFlowSourceSettings>('cloudwatch-logs', reads),
      s3: recording<S3FlowSourceSettings>('s3', reads),
    });
    const seen: string[] = [];
    const statistics = await registry.read(request({ type: 'files', paths: ['x.log'], logFormat: null }), (a) => seen.push(a.interfaceId));
    expect(reads).toEqual(['files:a-1']);
    expect(seen).toEqual(['eni-files']);
    expect(statistics).toEqual({ records: 1 });
    expect(registry.sourceOf('athena').type).toBe('athena');
  });

  it('refuses a source registered under another type, and a stored type no source reads', async () => {
    const reads: string[] = [];
    const athena = recording<AthenaFlowSourceSettings>('athena', reads);
    const others = {
      'cloudwatch-logs': recording<CloudWatchLogsFlowSourceSettings>('cloudwatch-logs', reads),
      s3: recording<S3FlowSourceSettings>('s3', reads),
    };
    expect(() => new FlowSourceRegistry({ ...others, athena, files: athena as unknown as FlowSourceMap['files'] })).toThrow(
      /registered as "files" reads "athena"/,
    );
    const registry = new FlowSourceRegistry({ ...others, athena, files: recording<FilesFlowSourceSettings>('files', reads) });
    await expect(registry.read(request({ type: 'kafka' } as unknown as FlowSourceSettings), () => undefined)).rejects.toThrow(
      /no flow source reads "kafka"/,
    );
  });

  it('is exhaustive: a map without a source for every type does not compile', () => {
    const reads: string[] = [];
    // @ts-expect-error -- `files` has no source
    const partial: FlowSourceMap = { athena: recording<AthenaFlowSourceSettings>('athena', reads) };
    expect(Object.keys(partial)).toEqual(['athena']);
  });
});
