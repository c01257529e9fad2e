import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, In, type Repository } from 'typeorm';
import { DependencyUnavailableError } from '../common/errors/dependency-unavailable.error';
import { ValidationError } from '../common/errors/validation.error';
import { keysetPage, newestFirst } from '../common/http/keyset-page.util';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { isForeignKeyViolation } from '../database/constraint-violation.util';
import { QueueName } from '../queues/queue-names';
import { whileQueueReachable } from '../queues/queue-reachability.util';
import { JobProducer } from '../queues/job-producer';
import { TargetNotFoundError } from '../targets/target-not-found.error';
import { TargetsService } from '../targets/targets.service';
import { AnalysisAlreadyRunningError } from './analysis-already-running.error';
import { analysisWritersLockKey } from './analysis-writers-lock';
import { AnalysisInvalidStateError } from './analysis-invalid-state.error';
import { ANALYSIS_RUN_JOB, analysisJobId, type AnalysisJobPayload } from './analysis-job';
import { AnalysisNotFoundError } from './analysis-not-found.error';
import { AnalysisSnapshotNotFoundError } from './analysis-snapshot-not-found.error';
import { ACTIVE_ANALYSIS_STATUSES } from './analysis-status';
import { AnalysisEntity } from './analysis.entity';
import type { CreateAnalysisDto } from './dto/create-analysis.dto';
import { AnalysisPageDto } from './dto/analysis-page.dto';
import { AnalysisDto } from './dto/analysis.dto';
import type { ListAnalysesQuery } from './dto/list-analyses.query';
import { Clock } from '../common/clock/clock';
import { CostGuard } from '../costs/cost-guard.service';

const UNIQUE_VIOLATION = '23505';
const ACTIVE_INDEX = 'uq_analyses_active_target';
const TARGET_FOREIGN_KEY = 'fk_analyses_target';
/** Longest window one analysis may cover. */
const MAX_WINDOW_MS = 31 * 24 * 3600_000;

@Injectable()
export class AnalysesService {
  private readonly logger = new Logger(AnalysesService.name);

  constructor(
    @InjectRepository(AnalysisEntity) private readonly analyses: Repository<AnalysisEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Analysis) private readonly queue: Queue,
    private readonly targets: TargetsService,
    private readonly clock: Clock,
    private readonly costGuard: CostGuard,
    private readonly jobs: JobProducer,
  ) {}

  /** Queues an analysis of a window; 409 while another one of the target is queued or running. */
  async create(dto: CreateAnalysisDto, requestedBy: string | null): Promise<AnalysisDto> {
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (!(from < to)) throw new ValidationError([{ field: 'to', message: 'to must be after from' }]);
    if (to.getTime() - from.getTime() > MAX_WINDOW_MS) {
      throw new ValidationError([{ field: 'to', message: 'the window may span at most 31 days' }]);
    }
    const target = await this.targets.getEntity(dto.targetId);
    // A scan over the target's budget is refused now when a quick S3 listing shows it; the worker checks in full.
    await this.costGuard.precheck(target, { from, to });
    let entity: AnalysisEntity;
    try {
      entity = await this.analyses.save(
        this.analyses.create({
          targetId: dto.targetId,
          status: 'queued',
          windowFrom: from,
          windowTo: to,
          requestedBy,
          statistics: {},
          attempt: 0,
        }),
      );
    } catch (error) {
      if (isActiveConflict(error)) throw new AnalysisAlreadyRunningError(dto.targetId, await this.activeAnalysisId(dto.targetId));
      // The target was read above and deleted since, by a request that ran meanwhile.
      if (isForeignKeyViolation(error, TARGET_FOREIGN_KEY)) throw new TargetNotFoundError(dto.targetId);
      throw error;
    }
    await this.enqueue(entity);
    return AnalysisDto.fromEntity(entity);
  }

  async list(query: ListAnalysesQuery): Promise<AnalysisPageDto> {
    const qb = this.analyses.createQueryBuilder('a');
    if (query.targetId) qb.andWhere('a.target_id = :targetId', { targetId: query.targetId });
    if (query.status) qb.andWhere('a.status = :status', { status: query.status });
    const page = await keysetPage(qb, query, newestFirst('a'));
    return Object.assign(new AnalysisPageDto(), {
      items: page.items.map((entity) => AnalysisDto.fromEntity(entity)),
      nextCursor: page.nextCursor,
    });
  }

  async get(id: string): Promise<AnalysisDto> {
    return AnalysisDto.fromEntity(await this.getEntity(id));
  }

  /** The network configuration the analysis evaluated against (DESIGN.md "Network snapshot JSON"). */
  async getSnapshot(id: string): Promise<NetworkSnapshot> {
    const entity = await this.analyses.createQueryBuilder('a').addSelect('a.snapshot').where('a.id = :id', { id }).getOne();
    if (!entity) throw new AnalysisNotFoundError(id);
    if (!entity.snapshot) throw new AnalysisSnapshotNotFoundError(id);
    return entity.snapshot;
  }

  async getEntity(id: string): Promise<AnalysisEntity> {
    const entity = await this.analyses.findOneBy({ id });
    if (!entity) throw new AnalysisNotFoundError(id);
    return entity;
  }

  /**
   * Marks a queued or running analysis cancelled. A waiting job is removed; a running one sees
   * the status at its next check (at most a second later), aborts its Athena query and ends.
   */
  async cancel(id: string, by: string): Promise<AnalysisDto> {
    const entity = await this.getEntity(id);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      // In turn with the persist stage's batches: they finish, the cancel commits, the next see it.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [analysisWritersLockKey(id)]);
      return manager
        .createQueryBuilder()
        .update(AnalysisEntity)
        .set({
          status: 'cancelled',
          finishedAt: now,
          failure: {
            reason: `cancelled by ${by}`,
            code: 'ANALYSIS.CANCELLED',
            stage: entity.stage,
            permanent: false,
            at: now.toISOString(),
          },
        })
        .where('id = :id AND status IN (:...active)', { id, active: ACTIVE_ANALYSIS_STATUSES })
        .execute();
    });
    if (!result.affected) throw new AnalysisInvalidStateError(id, entity.status, 'cancelled');
    await this.removeWaitingJob(analysisJobId(id, entity.attempt));
    return this.get(id);
  }

  /** Runs a failed or cancelled analysis again, as a new job (409 while another analysis of the target is active). */
  async retry(id: string): Promise<AnalysisDto> {
    const entity = await this.getEntity(id);
    if (entity.status !== 'failed' && entity.status !== 'cancelled') throw new AnalysisInvalidStateError(id, entity.status, 'retried');
    try {
      const result = await this.analyses
        .createQueryBuilder()
        .update(AnalysisEntity)
        .set({
          status: 'queued',
          attempt: () => 'attempt + 1',
          stage: null,
          progress: 0,
          // The attempt that ended keeps its failure (SET reads the row as it was before the update).
          previousFailures: () =>
            `previous_failures || jsonb_build_array(COALESCE(failure, '{}'::jsonb) || jsonb_build_object('attempt', attempt, 'status', status))`,
          failure: null,
          snapshot: null,
          startedAt: null,
          finishedAt: null,
        })
        .where('id = :id AND status IN (:...retryable)', { id, retryable: ['failed', 'cancelled'] })
        .execute();
      if (!result.affected) throw new AnalysisInvalidStateError(id, entity.status, 'retried');
    } catch (error) {
      if (isActiveConflict(error)) throw new AnalysisAlreadyRunningError(entity.targetId, await this.activeAnalysisId(entity.targetId));
      throw error;
    }
    const updated = await this.getEntity(id);
    await this.enqueue(updated);
    return AnalysisDto.fromEntity(updated);
  }

  private async enqueue(entity: AnalysisEntity): Promise<void> {
    const payload: AnalysisJobPayload = { analysisId: entity.id, attempt: entity.attempt };
    try {
      await whileQueueReachable(this.queue, 'the analysis', () =>
        this.jobs.enqueue(ANALYSIS_RUN_JOB, payload, { jobId: analysisJobId(entity.id, entity.attempt) }),
      );
    } catch (error) {
      // Without a job the analysis would stay queued forever and block the target: fail it now.
      const now = this.clock.now();
      await this.analyses.update(
        { id: entity.id, status: In(ACTIVE_ANALYSIS_STATUSES) },
        {
          status: 'failed',
          finishedAt: now,
          failure: {
            reason: 'the analysis could not be queued',
            code: 'QUEUE.UNAVAILABLE',
            stage: null,
            permanent: false,
            at: now.toISOString(),
          },
        },
      );
      throw new DependencyUnavailableError('redis', 'the analysis (recorded as failed, retryable)', { cause: error });
    }
  }

  private async removeWaitingJob(jobId: string): Promise<void> {
    try {
      await whileQueueReachable(this.queue, 'the cancellation', async () => {
        const job = await this.queue.getJob(jobId);
        if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove();
      });
    } catch (error) {
      // The worker checks the status before and during the run: a job left behind ends at once.
      this.logger.debug(`could not remove job ${jobId}: ${String(error)}`);
    }
  }

  // Queries other modules need; the analyses table is read only here and by the runner.

  /** The target's latest succeeded analysis that stored a snapshot, with it; null when none did. */
  async latestSnapshot(targetId: string): Promise<{ id: string; snapshot: NetworkSnapshot } | null> {
    const latest = await this.analyses
      .createQueryBuilder('a')
      .addSelect('a.snapshot')
      .where('a.target_id = :targetId AND a.status = :status AND a.snapshot IS NOT NULL', { targetId, status: 'succeeded' })
      .orderBy('a.finished_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .getOne();
    return latest?.snapshot ? { id: latest.id, snapshot: latest.snapshot } : null;
  }

  /** How many of these analyses are still queued or running. */
  countActive(ids: readonly string[]): Promise<number> {
    return this.analyses.count({ where: { id: In([...ids]), status: In([...ACTIVE_ANALYSIS_STATUSES]) } });
  }

  /** These analyses' records (statistics included), in no particular order. */
  findEntities(ids: readonly string[]): Promise<AnalysisEntity[]> {
    return this.analyses.find({ where: { id: In([...ids]) } });
  }

  private async activeAnalysisId(targetId: string): Promise<string | null> {
    const active = await this.analyses.findOne({ where: { targetId, status: In(ACTIVE_ANALYSIS_STATUSES) }, select: { id: true } });
    return active?.id ?? null;
  }
}

function isActiveConflict(error: unknown): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === UNIQUE_VIOLATION && driverError.constraint === ACTIVE_INDEX;
}
