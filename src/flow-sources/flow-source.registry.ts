import type { FlowAggregate } from '../engine/flow-log/flow-record';
import type { FlowSourceSettings } from '../targets/target-sources';
import type { FlowSource, FlowSourceStatistics, FlowWindowRequest } from './flow-source';

export type FlowSourceType = FlowSourceSettings['type'];

/**
 * One source per flow-source type. Exhaustive: a type added to FlowSourceSettings does not
 * compile until a source is registered for it.
 */
export type FlowSourceMap = { [K in FlowSourceType]: FlowSource<Extract<FlowSourceSettings, { type: K }>> };

/** The flow sources an analysis can read from, by the type of the target's `flowSource`. */
export class FlowSourceRegistry {
  constructor(private readonly sources: FlowSourceMap) {
    for (const [type, source] of Object.entries(sources) as Array<[FlowSourceType, FlowSource]>) {
      if (source.type !== type) throw new Error(`flow source registered as "${type}" reads "${source.type}"`);
    }
  }

  sourceOf<K extends FlowSourceType>(type: K): FlowSourceMap[K] {
    return this.sources[type];
  }

  /** Reads one window with the source of `request.settings.type`. */
  async read(request: FlowWindowRequest, sink: (aggregate: FlowAggregate) => void): Promise<FlowSourceStatistics> {
    const source: FlowSource | undefined = this.sources[request.settings.type];
    // Settings are validated when stored; a row written by a newer version may still name a type this one lacks.
    if (!source) throw new Error(`no flow source reads "${String(request.settings.type)}"`);
    return source.read(request, sink);
  }
}
