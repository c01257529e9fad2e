import { Injectable } from '@nestjs/common';
import { AnalysesService } from '../analyses/analyses.service';
import { AppError } from '../common/errors/app.error';
import { ValidationError } from '../common/errors/validation.error';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { NetworkModel } from '../engine/network/network-model';
import { type PathAnalysis, pathVerdictOf } from '../engine/path/analyze-path';
import { type PathQuery, type PathQueryInput, parsePathQuery } from '../engine/path/path-query';
import { PathQueryError } from '../engine/path/path-query.error';
import type { PathVerdict } from '../engine/path/path-result';
import { explainPath } from '../engine/path/suggest-path-fix';
import { TargetSnapshotLoader } from '../snapshots/target-snapshot.loader';
import type { Target } from '../targets/target-sources';
import { TargetsService } from '../targets/targets.service';
import type { CreatePathDto } from './dto/create-path.dto';
import { PathConfigurationUnreadableError } from './path-configuration-unreadable.error';
import { PathNoSnapshotError } from './path-no-snapshot.error';

/**
 * Path analysis over a target's configuration: its latest analysed snapshot (what findings and
 * simulations see), or a fresh read of its snapshot source on request. The answer is exactly
 * what `sgdoctor why` prints.
 */
@Injectable()
export class PathsService {
  constructor(
    private readonly analyses: AnalysesService,
    private readonly targets: TargetsService,
    private readonly snapshots: TargetSnapshotLoader,
  ) {}

  async analyze(targetId: string, dto: CreatePathDto): Promise<PathVerdict> {
    return pathVerdictOf(await this.explain(targetId, dto, dto.snapshot ?? 'latest'));
  }

  /** The full analysis (resolved endpoints included), for callers that go on to ask Reachability Analyzer. */
  async explain(targetId: string, input: PathQueryInput, snapshotChoice: 'latest' | 'fresh'): Promise<PathAnalysis> {
    const target = await this.targets.getEntity(targetId);
    const query = queryOf(input);
    const snapshot = snapshotChoice === 'fresh' ? await this.freshSnapshot(target) : await this.latestSnapshot(targetId);
    return explainPath(NetworkModel.fromSnapshot(snapshot), query);
  }

  /** The target's configuration read now; what its source cannot give is a 422 naming why, not a 500. */
  private async freshSnapshot(target: Target): Promise<NetworkSnapshot> {
    try {
      return await this.snapshots.load(target, this.targets.paths);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new PathConfigurationUnreadableError(target.id, error);
    }
  }

  private async latestSnapshot(targetId: string): Promise<NetworkSnapshot> {
    const latest = await this.analyses.latestSnapshot(targetId);
    if (!latest) throw new PathNoSnapshotError(targetId);
    return latest.snapshot;
  }
}

/** The engine's checks beyond the DTO's (a port for tcp/udp, an ICMP type below 256) as field errors. */
function queryOf(input: PathQueryInput): PathQuery {
  try {
    return parsePathQuery({ from: input.from, to: input.to, protocol: input.protocol, port: input.port, sourcePort: input.sourcePort });
  } catch (error) {
    if (error instanceof PathQueryError) throw new ValidationError([{ field: error.field, message: error.message }]);
    throw error;
  }
}
