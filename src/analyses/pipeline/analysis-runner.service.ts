import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DependencyUnavailableError } from '../../common/errors/dependency-unavailable.error';
import { retryWhileUnavailable } from '../../common/errors/retry-while-unavailable.util';
import type { AppConfig } from '../../config/app-config';
import { FlowAggregateStore } from '../../engine/flow-log/flow-aggregate-store';
import type { FlowRows } from '../../engine/flow-log/flow-rows';
import type { NetworkSnapshot } from '../../engine/network/snapshot';
import { DomainEventType } from '../../events/domain-event';
import { EventsService } from '../../events/events.service';
import { FindingsPersister, type PersistContext } from '../../findings/findings-persister.service';
import { FindingsService } from '../../findings/findings.service';
import { FlowSourceRegistry } from '../../flow-sources/flow-source.registry';
import { TargetSnapshotLoader } from '../../snapshots/target-snapshot.loader';
import type { ScopeNotDescribed } from '../../aws/ec2-snapshotter';
import type { MemberReading } from '../../aws/organization-snapshotter';
import type { WindowHistory } from '../../aws/config-history';
import { fixedDuringMarker } from './fixed-during';
import { DataPathResolver } from '../../targets/data-path.resolver';
import type { Target as TargetEntity } from '../../targets/target-sources';
import { TargetsService } from '../../targets/targets.service';
import type { AnalysisJobPayload } from '../analysis-job';
import type { AnalysisStage } from '../analysis-status';
import type { AnalysisFailure, AnalysisStatistics, AnalysisWarning } from '../analysis-statistics';
import { AnalysisEntity } from '../analysis.entity';
import { AnalysisCancelledSignal } from './analysis-cancelled.signal';
import { correlateSteps, flowsNowAllowed } from './correlate';
import { runStepsInTurns } from '../../common/lifecycle/run-steps-in-turns';
import { inRunningTransaction, persistObserved } from './persist-observed';
import { classifyFailure } from './failure-classifier';
import { hourlyCountsFrom } from './hourly-counts';
import { Clock } from '../../common/clock/clock';
import { CostGuard } from '../../costs/cost-guard.service';
import { type AnalysisAthenaSpend, AthenaSpendService } from '../../costs/athena-spend.service';

/** How long a failed run keeps trying to record its failure while the database is unreachable. */
const FAILURE_RECORD_DEADLINE_MS = 120_000;
/** How often a running analysis looks for a cancellation. */
const CANCEL_POLL_MS = 1000;

const PROGRESS: Record<AnalysisStage, number> = { snapshot: 5, query: 25, correlate: 60, persist: 80 };

export interface RunReporter {
  progress(percent: number): Promise<void>;
  /** True when BullMQ will not try this job again after a failure. */
  isLastAttempt(): boolean;
}

export type RunOutcome = 'succeeded' | 'skipped' | 'cancelled';

/** A failure the job should not retry (BullMQ UnrecoverableError is raised by the processor). */
export class PermanentAnalysisFailure extends Error {}

interface Collected {
  /** The window's aggregates by row. */
  aggregates: FlowRows;
  statistics: AnalysisStatistics;
}

/**
 * One analysis, stage by stage: snapshot → query → correlate → persist. Safe to run again for the
 * same analysis (a redelivered or stalled job): the snapshot stored by the first run is reused,
 * findings are upserted by fingerprint, and every write checks, under a row lock, that the
 * analysis is still running — a cancelled analysis is never written to.
 */
@Injectable()
export class AnalysisRunner {
  private readonly logger = new Logger(AnalysisRunner.name);
  private readonly paths: DataPathResolver;
  private readonly stageDelayMs: number;
  private readonly persistBatch: number;
  private readonly persistBatchChars: number;
  private readonly persistParallel: number;
  /** The AWS Config history read at the snapshot stage of a running analysis, for its findings' `fixedAt`. */
  private readonly histories = new Map<string, WindowHistory>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly snapshots: TargetSnapshotLoader,
    private readonly flowSources: FlowSourceRegistry,
    private readonly persister: FindingsPersister,
    private readonly targets: TargetsService,
    private readonly findings: FindingsService,
    private readonly events: EventsService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
    private readonly costGuard: CostGuard,
    private readonly athenaSpend: AthenaSpendService,
  ) {
    this.paths = new DataPathResolver(config.get('dataRoot', { infer: true }));
    const analysisConfig = config.get('analysis', { infer: true });
    this.stageDelayMs = analysisConfig.stageDelayMs;
    this.persistBatch = analysisConfig.persistBatch;
    this.persistBatchChars = analysisConfig.persistBatchChars;
    this.persistParallel = analysisConfig.persistParallel;
  }

  async run(payload: AnalysisJobPayload, reporter: RunReporter): Promise<RunOutcome> {
    const analysis = await this.claim(payload);
    if (!analysis) return 'skipped';
    const target = await this.targets.findEntity(analysis.targetId);
    if (!target) return 'skipped';

    const abort = new AbortController();
    const watcher = setInterval(() => void this.watchCancellation(payload, abort), CANCEL_POLL_MS);
    const statistics: AnalysisStatistics = { stageDurationsMs: {} };
    let stage: AnalysisStage = 'snapshot';
    const timed = async <T>(name: AnalysisStage, work: () => Promise<T>): Promise<T> => {
      stage = name;
      await this.enterStage(payload, name, reporter);
      await this.pause(abort.signal);
      const started = performance.now();
      const result = await work();
      statistics.stageDurationsMs![name] = Math.round(performance.now() - started);
      return result;
    };
    try {
      const snapshot = await timed('snapshot', () => this.snapshotOf(payload, analysis, target, statistics));
      // What AWS refused to describe goes with the snapshot; the analysis names it too.
      if (snapshot.NotRead?.length) statistics.notRead = snapshot.NotRead;
      const collected = await timed('query', async () => {
        // Refused over budget before anything is scanned (BUDGET.EXCEEDED, permanent); the estimate stays with the analysis.
        // A retried job whose attempt already has its query's result re-reads it, scanning nothing: that query is already
        // in the month's spending, and counting it a second time as the estimate would refuse what costs nothing more.
        const paid =
          target.flowSource.type === 'athena' && (await this.athenaSpend.hasResult({ analysisId: analysis.id, attempt: payload.attempt }));
        const scanEstimate = paid
          ? null
          : await this.costGuard.admit(target, { from: analysis.windowFrom, to: analysis.windowTo }, { signal: abort.signal });
        const result = await this.collect(payload, analysis, target, snapshot, statistics, abort.signal);
        return scanEstimate ? { ...result, statistics: { ...result.statistics, scanEstimate } } : result;
      });
      Object.assign(statistics, collected.statistics);
      // The scope's ids EC2 does not describe head the warnings, before what the flow source could not read.
      if (statistics.scopeNotDescribed) {
        statistics.warnings = [...scopeWarnings(statistics.scopeNotDescribed), ...(statistics.warnings ?? [])];
      }
      const priorCampaigns = await this.persister.priorCampaigns(this.dataSource.manager, target.id);
      // In turns: the job lock is renewed, and the worker's health answered, while a day's aggregates are diagnosed.
      const correlated = await timed('correlate', async () =>
        runStepsInTurns(
          correlateSteps({
            priorCampaigns,
            snapshot,
            aggregates: collected.aggregates,
            // Flow sources count REJECT records per hour; findings merge the hours (see hourlyCountsFrom).
            hourlyFrom: hourlyCountsFrom(collected.aggregates, { from: analysis.windowFrom }),
            defaultBucket: analysis.windowFrom.toISOString(),
            scope: target.scope,
            skipdata: statistics.skipdataRecords,
          }),
        ),
      );
      // Past correlate only the diagnosis reads the window's aggregates (the rows of its findings): persist writes the findings.
      collected.aggregates = [];
      const history = this.histories.get(analysis.id);
      const markFixed =
        history && statistics.configHistory
          ? fixedDuringMarker(snapshot, history, { from: analysis.windowFrom, to: analysis.windowTo }, correlated.context)
          : null;
      let fixedDuringWindow = 0;
      // Findings are finished (fixes, busiest flows, fixedAt) as persist draws them: that time is correlate's.
      const finishing = { ms: 0 };
      const observed = timedDraws(
        correlated.observed,
        (item) => {
          if (markFixed?.(item)) fixedDuringWindow++;
        },
        finishing,
        () => (stage = 'correlate'),
      );
      statistics.coverageGaps = correlated.coverageGaps;
      statistics.undecided = correlated.stats.coverage.undecided;
      statistics.degradedSignals = correlated.stats.coverage.degradedSignals;
      // Persist's batches commit without waiting for their WAL (persist-observed.ts): when PostgreSQL
      // restarts during the stage, the last of them may be lost while the pool's fresh connections
      // let the next ones through. The server's start time, read now and again where the outcome is
      // recorded, tells.
      const serverStartedAt = await this.serverStartedAt(this.dataSource.manager);
      await timed('persist', async () => {
        const ctx: PersistContext = { targetId: target.id, analysisId: analysis.id, now: this.clock.now() };
        await persistObserved(
          {
            persister: this.persister,
            ctx,
            batchSize: this.persistBatch,
            batchChars: this.persistBatchChars,
            parallel: this.persistParallel,
            // FOR SHARE: the round's batches do not wait for each other; a cancel still waits for them.
            transaction: (work) => inRunningTransaction(this.dataSource, payload, work, 'share'),
            storedFingerprints: () => this.persister.storedFingerprints(this.dataSource.manager, target.id),
            publish: (eventIds) => this.publish(eventIds),
            before: () => abort.signal.throwIfAborted(),
            after: () => this.pause(abort.signal),
          },
          observed,
        );
        // Counted as the findings were finished, batch by batch.
        statistics.fixes = correlated.stats.fixes;
        if (markFixed && statistics.configHistory) statistics.configHistory.fixedDuringWindow = fixedDuringWindow;
        const resolvedEvents = await this.inRunningTransaction(payload, async (manager) => {
          const ids: string[] = [];
          for (const candidate of await this.persister.unseenResolvable(manager, ctx)) {
            // Noise is reported per campaign: a per-port noise finding stored before campaigns existed is superseded.
            const superseded = candidate.finding.kind !== 'campaign' && candidate.finding.classification === 'likely-noise';
            if (!superseded && !flowsNowAllowed(correlated.model, candidate.flows, correlated.context)) continue;
            const reason = superseded
              ? 'superseded: scanner noise is reported per campaign, not per port'
              : 'not seen in this analysis, and its flows are allowed by the current configuration';
            const id = await this.persister.resolveBySystem(manager, ctx, candidate.id, candidate.status, candidate.finding, reason);
            if (id) ids.push(id);
          }
          return ids;
        });
        await this.publish(resolvedEvents);
      });
      const durations = statistics.stageDurationsMs!;
      durations.correlate = (durations.correlate ?? 0) + Math.round(finishing.ms);
      durations.persist = Math.max(0, (durations.persist ?? 0) - Math.round(finishing.ms));
      // Every Athena query of the analysis, earlier attempts' and stopped ones included, in what it cost.
      Object.assign(statistics, await this.athenaSpend.ofAnalysis(analysis.id));
      const completedEvent = await this.inRunningTransaction(payload, async (manager) => {
        if ((await this.serverStartedAt(manager)) !== serverStartedAt) {
          // Retryable: the next attempt writes every finding again (persist is idempotent).
          throw new DependencyUnavailableError(
            'postgresql',
            'the analysis (PostgreSQL restarted while its findings were written: the last of them may be lost)',
          );
        }
        statistics.findings = await this.findings.countsOfAnalysis(manager, analysis.id, target.id);
        // A failure recorded by an earlier, retried attempt of this job is not the outcome.
        await manager.update(
          AnalysisEntity,
          { id: analysis.id },
          { status: 'succeeded', stage: null, progress: 100, statistics, failure: null, finishedAt: this.clock.now() },
        );
        const event = await this.events.record(manager, {
          type: DomainEventType.AnalysisCompleted,
          subject: { targetId: target.id, analysisId: analysis.id },
          data: { analysisId: analysis.id, targetId: target.id, window: windowOf(analysis), statistics: summaryOf(statistics) },
        });
        return [event.id];
      });
      await reporter.progress(100);
      await this.publish(completedEvent);
      return 'succeeded';
    } catch (error) {
      if (error instanceof AnalysisCancelledSignal || abort.signal.aborted) {
        this.logger.log(`analysis ${analysis.id} stopped: it is no longer running`);
        return 'cancelled';
      }
      await this.fail(payload, analysis, stage, error, reporter, statistics);
      throw error;
    } finally {
      clearInterval(watcher);
      this.histories.delete(analysis.id);
    }
  }

  /** Moves a queued (or, on redelivery, running) analysis of this attempt to running; null when there is nothing to do. */
  private async claim(payload: AnalysisJobPayload): Promise<AnalysisEntity | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(AnalysisEntity)
      .set({ status: 'running', startedAt: () => 'COALESCE(started_at, :now)' })
      .where('id = :id AND attempt = :attempt AND status IN (:...statuses)', {
        id: payload.analysisId,
        attempt: payload.attempt,
        statuses: ['queued', 'running'],
        now: this.clock.now(),
      })
      .execute();
    if (!result.affected) return null;
    return this.dataSource
      .getRepository(AnalysisEntity)
      .createQueryBuilder('a')
      .addSelect('a.snapshot')
      .where('a.id = :id', { id: payload.analysisId })
      .getOne();
  }

  private async snapshotOf(
    payload: AnalysisJobPayload,
    analysis: AnalysisEntity,
    target: TargetEntity,
    statistics: AnalysisStatistics,
  ): Promise<NetworkSnapshot> {
    // A re-run of the same analysis evaluates against the configuration the first run recorded
    // (and reports the member accounts as the first run read them).
    if (analysis.snapshot) {
      Object.assign(statistics, accountsOf(analysis.statistics?.accounts));
      if (analysis.statistics?.configHistory) statistics.configHistory = analysis.statistics.configHistory;
      if (analysis.statistics?.scopeNotDescribed) statistics.scopeNotDescribed = analysis.statistics.scopeNotDescribed;
      return analysis.snapshot;
    }
    const window = { from: analysis.windowFrom, to: analysis.windowTo };
    const { snapshot, members, history, scopeNotDescribed } = await this.snapshots.loadWithMembers(target, this.paths, { window });
    Object.assign(statistics, accountsOf(members));
    if (history) {
      this.histories.set(analysis.id, history);
      statistics.configHistory = historySummaryOf(history, window.from);
    }
    if (scopeNotDescribed) {
      statistics.scopeNotDescribed = scopeNotDescribed;
      const ids = [...scopeNotDescribed.vpcIds, ...scopeNotDescribed.subnetIds].join(', ');
      this.logger.warn(
        `analysis ${analysis.id} of target ${target.id}: the scope names ${ids}, which EC2 does not describe; analysing the rest`,
      );
    }
    const recorded =
      members || history || scopeNotDescribed
        ? {
            statistics: {
              ...analysis.statistics,
              ...accountsOf(members),
              configHistory: statistics.configHistory,
              scopeNotDescribed: statistics.scopeNotDescribed,
            },
          }
        : {};
    await this.inRunningTransaction(payload, (manager) => manager.update(AnalysisEntity, { id: analysis.id }, { snapshot, ...recorded }));
    return snapshot;
  }

  /** Reads the window from the target's flow source (FlowSourceRegistry), keeping its aggregates for correlate. */
  private async collect(
    payload: AnalysisJobPayload,
    analysis: AnalysisEntity,
    target: TargetEntity,
    snapshot: NetworkSnapshot,
    readSoFar: AnalysisStatistics,
    signal: AbortSignal,
  ): Promise<Collected> {
    // Held in columns while the source reads: a day's million aggregates as objects would be most of the worker's memory.
    const store = new FlowAggregateStore();
    const read = await this.flowSources.read(
      {
        analysisId: analysis.id,
        attempt: payload.attempt,
        target: { id: target.id, accountId: target.accountId, region: target.region, access: target.access, scope: target.scope },
        settings: target.flowSource,
        window: { from: analysis.windowFrom, to: analysis.windowTo },
        snapshot,
        members: membersOf(target, readSoFar),
        signal,
        athenaLedger:
          target.flowSource.type === 'athena'
            ? await this.athenaSpend.ledgerFor({ targetId: target.id, analysisId: analysis.id, attempt: payload.attempt })
            : null,
      },
      (aggregate) => store.add(aggregate),
    );
    return { aggregates: store, statistics: { ...read, aggregates: store.size } };
  }

  private async enterStage(payload: AnalysisJobPayload, stage: AnalysisStage, reporter: RunReporter): Promise<void> {
    await this.inRunningTransaction(payload, (manager) =>
      manager.update(AnalysisEntity, { id: payload.analysisId }, { stage, progress: PROGRESS[stage] }),
    );
    await reporter.progress(PROGRESS[stage]);
  }

  /**
   * Testing aid (SGDOCTOR_ANALYSIS_STAGE_DELAY_MS): a pause at the start of every stage and after
   * every persisted batch, which widens the window in which a worker can be killed mid-run.
   */
  private async pause(signal: AbortSignal): Promise<void> {
    if (this.stageDelayMs > 0) await sleep(this.stageDelayMs, undefined, { signal });
  }

  /** Runs `work` in a transaction that first locks the analysis row and checks it is still running. */
  /** When the PostgreSQL server behind `manager` started (`pg_postmaster_start_time()`), as text. */
  private async serverStartedAt(manager: EntityManager): Promise<string> {
    const rows: Array<{ started: string }> = await manager.query('SELECT pg_postmaster_start_time()::text AS started');
    return rows[0]!.started;
  }

  private inRunningTransaction<T>(payload: AnalysisJobPayload, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inRunningTransaction(this.dataSource, payload, work);
  }

  private async watchCancellation(payload: AnalysisJobPayload, abort: AbortController): Promise<void> {
    if (abort.signal.aborted) return;
    try {
      const row = await this.dataSource
        .getRepository(AnalysisEntity)
        .findOne({ where: { id: payload.analysisId }, select: { status: true, attempt: true } });
      if (!row || row.status !== 'running' || row.attempt !== payload.attempt) {
        abort.abort(new AnalysisCancelledSignal(payload.analysisId));
      }
    } catch (error) {
      // A database hiccup is not a cancellation; the stage writes will surface a real outage.
      this.logger.debug(`cancellation check failed: ${String(error)}`);
    }
  }

  /**
   * Keeps the failure reason on the analysis. A permanent failure, or the last attempt, ends the
   * analysis as failed (with an analysis.failed event); otherwise BullMQ retries the job.
   */
  private async fail(
    payload: AnalysisJobPayload,
    analysis: AnalysisEntity,
    stage: AnalysisStage,
    error: unknown,
    reporter: RunReporter,
    statistics: AnalysisStatistics,
  ): Promise<void> {
    const classified = classifyFailure(error);
    const failure: AnalysisFailure = { ...classified, stage, at: this.clock.now().toISOString() };
    const final = classified.permanent || reporter.isLastAttempt();
    this.logger.warn(`analysis ${analysis.id} failed at ${stage}${final ? '' : ' (will retry)'}: ${classified.reason}`);
    // What its Athena queries cost so far (a query stopped on the timeout is billed too) is shown with the failure.
    const spend = await this.athenaSpend.ofAnalysis(analysis.id).catch((): AnalysisAthenaSpend | null => null);
    if (spend) Object.assign(statistics, spend);
    try {
      // The database may be the very reason of the failure: keep trying to record it for a
      // while; past that, the reconciler finds the row running with its job failed.
      const record = () =>
        this.inRunningTransaction(payload, async (manager) => {
          if (!final) {
            await manager.update(AnalysisEntity, { id: analysis.id }, { failure });
            if (spend) {
              await manager.query(`UPDATE analyses SET statistics = COALESCE(statistics, '{}'::jsonb) || $2::jsonb WHERE id = $1`, [
                analysis.id,
                JSON.stringify(spend),
              ]);
            }
            return [];
          }
          await manager.update(
            AnalysisEntity,
            { id: analysis.id },
            { status: 'failed', failure, statistics, finishedAt: this.clock.now() },
          );
          const event = await this.events.record(manager, {
            type: DomainEventType.AnalysisFailed,
            subject: { targetId: analysis.targetId, analysisId: analysis.id },
            data: { analysisId: analysis.id, targetId: analysis.targetId, window: windowOf(analysis), failure },
          });
          return [event.id];
        });
      const eventIds = await retryWhileUnavailable(record, {
        deadlineMs: FAILURE_RECORD_DEADLINE_MS,
        onRetry: (recordError, attempt) =>
          this.logger.warn(`could not record the failure of ${analysis.id} yet (try ${attempt}): ${String(recordError)}`),
      });
      await this.publish(eventIds);
    } catch (recordError) {
      if (!(recordError instanceof AnalysisCancelledSignal))
        this.logger.error(`could not record the failure of ${analysis.id}: ${String(recordError)}`);
    }
    if (classified.permanent) throw new PermanentAnalysisFailure(classified.reason);
  }

  private async publish(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    try {
      await this.events.publish(eventIds);
    } catch (error) {
      // Committed events stay unpublished and are picked up by the next sweep.
      this.logger.warn(`could not publish ${eventIds.length} events: ${String(error)}`);
    }
  }
}

function windowOf(analysis: AnalysisEntity): { from: string; to: string } {
  return { from: analysis.windowFrom.toISOString(), to: analysis.windowTo.toISOString() };
}

function summaryOf(statistics: AnalysisStatistics): Record<string, unknown> {
  const { coverageGaps, stageDurationsMs: _durations, ...rest } = statistics;
  return { ...rest, coverageGaps: coverageGaps?.length ?? 0 };
}

/** One warning for each id of the scope EC2 does not describe: the analysis covers the rest of the scope without it. */
function scopeWarnings(missing: ScopeNotDescribed): AnalysisWarning[] {
  const warning = (kind: 'VPC' | 'subnet', id: string): AnalysisWarning => ({
    file: id,
    message: `the target's scope names this ${kind}, but EC2 does not describe it (deleted, or not in the target's accounts and regions): the analysis covers the rest of the scope; take it out of the scope once it is gone for good`,
  });
  return [...missing.vpcIds.map((id) => warning('VPC', id)), ...missing.subnetIds.map((id) => warning('subnet', id))];
}

/** What the analysis says of the configuration history it was evaluated against. */
function historySummaryOf(history: WindowHistory, at: Date): NonNullable<AnalysisStatistics['configHistory']> {
  const changes = history.histories.reduce((sum, h) => sum + h.versions.filter((v) => v.capturedAt.getTime() > at.getTime()).length, 0);
  return {
    source: 'aws-config',
    evaluatedAt: at.toISOString(),
    resources: history.histories.length,
    changesDuringWindow: changes,
    deletedInterfaces: history.deletedInterfaces,
    notRecorded: history.notRecorded,
  };
}

/** The member accounts of an organisation target as read, the failed ones counted apart. */
function accountsOf(members: MemberReading[] | undefined): Pick<AnalysisStatistics, 'accounts' | 'accountsFailed' | 'accountsSkipped'> {
  if (!members) return {};
  return {
    accounts: members,
    accountsFailed: members.filter((m) => m.status === 'failed').length,
    accountsSkipped: members.filter((m) => m.status === 'skipped').length,
  };
}

/** An organisation target's member accounts (as listed when the snapshot was read) and regions. */
function membersOf(target: TargetEntity, statistics: AnalysisStatistics): { accountIds: string[]; regions: string[] } | null {
  const source = target.configSource;
  if (source.type !== 'organization') return null;
  const accountIds = [...new Set((statistics.accounts ?? []).filter((m) => m.status !== 'skipped').map((m) => m.accountId))].sort();
  return accountIds.length ? { accountIds, regions: source.regions } : null;
}

/**
 * `items` as they are drawn, each passed to `finish` once made, adding the time spent making and
 * finishing each one to `spent.ms`; `onFailure` runs when that throws (the failure is correlate's,
 * not the writing's).
 */
function* timedDraws<T>(items: Iterable<T>, finish: (item: T) => void, spent: { ms: number }, onFailure: () => void): Generator<T> {
  const iterator = items[Symbol.iterator]();
  for (;;) {
    const started = performance.now();
    let next: IteratorResult<T>;
    try {
      next = iterator.next();
      if (!next.done) finish(next.value);
    } catch (error) {
      onFailure();
      throw error;
    }
    spent.ms += performance.now() - started;
    if (next.done) return;
    yield next.value;
  }
}
