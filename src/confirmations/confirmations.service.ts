import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app.error';
import { Clock } from '../common/clock/clock';
import { ErrorCode } from '../common/errors/error-code';
import type { AppConfig } from '../config/app-config';
import { pathVerdictOf, type PathAnalysis } from '../engine/path/analyze-path';
import { analyzerPathFor, type AnalyzerPathInput } from '../engine/path/analyzer-comparison';
import { pathQueryOfFinding } from '../engine/path/finding-path';
import { FindingNotFoundError } from '../findings/finding-not-found.error';
import { FindingsService } from '../findings/findings.service';
import type { CreatePathDto } from '../paths/dto/create-path.dto';
import { PathsService } from '../paths/paths.service';
import { QueueName } from '../queues/queue-names';
import { JobProducer } from '../queues/job-producer';
import { REACHABILITY_CONFIRM_JOB, confirmationJobId, type ConfirmationJobPayload } from './confirmation-job';
import { ConfirmationNotFoundError } from './confirmation-not-found.error';
import type { ConfirmationSubject } from './confirmation-status';
import { ConfirmationUnsupportedError } from './confirmation-unsupported.error';
import type { ConfirmFindingDto } from './dto/confirm-finding.dto';
import { ConfirmationDto } from './dto/confirmation.dto';
import { ReachabilityBudgetExhaustedError } from './reachability-budget-exhausted.error';
import { checkBudget, monthOf } from './reachability-budget';
import { ReachabilityConfirmationEntity } from './reachability-confirmation.entity';

/**
 * Analyses a target has paid for, or reserved, in a month: those AWS started, and one for each
 * confirmation still queued or running that has not started one yet.
 */
const COUNTED_ANALYSES_SQL = `
  SELECT COALESCE(SUM(GREATEST(analyses_started, CASE WHEN status IN ('queued', 'running') THEN 1 ELSE 0 END)), 0)::int AS n
  FROM reachability_confirmations
  WHERE target_id = $1 AND requested_at >= $2 AND requested_at < $3`;

/** The confirmation of a finding still queued or running for the same question to AWS, if any. */
const PENDING_QUESTION_SQL = `
  SELECT id FROM reachability_confirmations
  WHERE finding_id = $1 AND analyzer_path = $2::jsonb AND status IN ('queued', 'running')
  LIMIT 1`;

/** The path confirmation of a target still queued or running for the same question to AWS, if any. */
const PENDING_PATH_QUESTION_SQL = `
  SELECT id FROM reachability_confirmations
  WHERE target_id = $1 AND subject = 'path' AND analyzer_path = $2::jsonb AND status IN ('queued', 'running')
  LIMIT 1`;

const UNIQUE_VIOLATION = '23505';
/** The partial unique indexes that hold one pending confirmation per question (migrations 1796416000000 and 1796418000000). */
const PENDING_QUESTION_INDEXES: ReadonlySet<string> = new Set([
  'uq_reachability_confirmations_pending_question',
  'uq_reachability_confirmations_pending_path_question',
]);

/** Whose question a confirmation answers: a finding's, or a path question asked of a target. */
type Asker = { findingId: string } | { targetId: string };

/** A confirmation as asked for: `created` false when a pending one for the same question was returned instead. */
export interface ConfirmationRequestOutcome {
  confirmation: ConfirmationDto;
  created: boolean;
}

/**
 * Reachability Analyzer on demand (API side): works out the path (from a finding's traffic or a
 * path question) and sgdoctor's answer at once, refuses what the analyzer cannot analyse or the
 * month's budget cannot pay for, stores the confirmation and queues the job that asks AWS.
 */
@Injectable()
export class ConfirmationsService {
  constructor(
    @InjectRepository(ReachabilityConfirmationEntity) private readonly confirmations: Repository<ReachabilityConfirmationEntity>,
    private readonly findings: FindingsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Reachability) private readonly queue: Queue,
    private readonly paths: PathsService,
    private readonly clock: Clock,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly jobs: JobProducer,
  ) {}

  /**
   * The path question over the target's snapshot. A path confirmation of the same target still
   * queued or running for the same question to AWS — the same analyzer path (source interface and
   * address, destination interface and address, protocol, destination port), however the
   * endpoints were named — is returned instead of a new (billed) one.
   */
  async confirmPath(targetId: string, dto: CreatePathDto): Promise<ConfirmationRequestOutcome> {
    const analysis = await this.paths.explain(targetId, dto, dto.snapshot ?? 'latest');
    return this.create(targetId, null, 'path', analysis);
  }

  /**
   * The finding's traffic as a path (its busiest interface and peer unless named) over its target's
   * latest snapshot. A confirmation of the same finding and question still queued or running is
   * returned instead of a new (billed) one.
   */
  async confirmFinding(findingId: string, dto: ConfirmFindingDto): Promise<ConfirmationRequestOutcome> {
    const finding = await this.findings.findEntity(findingId);
    if (!finding) throw new FindingNotFoundError(findingId);
    if (finding.finding.kind === 'campaign') {
      throw new ConfirmationUnsupportedError('a scanner campaign is not one path: confirm a rule finding, or ask about a path', {
        findingId,
      });
    }
    const input = pathQueryOfFinding(finding.finding, { interfaceId: dto.interfaceId, peer: dto.peer });
    if (!input) {
      throw new ConfirmationUnsupportedError(
        dto.interfaceId !== undefined || dto.peer !== undefined
          ? "the interface or peer named is not one of the finding's"
          : 'the finding names no interface and peer',
        { findingId },
      );
    }
    const analysis = await this.paths.explain(finding.targetId, input, 'latest');
    return this.create(finding.targetId, findingId, 'finding', analysis);
  }

  async get(id: string): Promise<ConfirmationDto> {
    const entity = await this.confirmations.findOneBy({ id });
    if (!entity) throw new ConfirmationNotFoundError(id);
    return ConfirmationDto.fromEntity(entity);
  }

  private async create(
    targetId: string,
    findingId: string | null,
    subject: ConfirmationSubject,
    analysis: PathAnalysis,
  ): Promise<ConfirmationRequestOutcome> {
    const analyzerPath = analyzerPathFor(analysis);
    if ('unsupported' in analyzerPath) throw new ConfirmationUnsupportedError(analyzerPath.unsupported, { query: analysis.query });
    const requestedAt = this.clock.now();
    const { month, from, to } = monthOf(requestedAt);
    const budgetUsd = this.config.get('reachability', { infer: true }).monthlyBudgetUsd;
    const asker: Asker = findingId === null ? { targetId } : { findingId };
    let outcome: { entity: ReachabilityConfirmationEntity; created: boolean };
    try {
      outcome = await this.dataSource.transaction(async (manager) => {
        // One decision at a time per target, so two requests cannot both take the last analysis,
        // nor both start one for the same question.
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`reachability-budget:${targetId}`]);
        const pending = await this.pendingFor(manager, asker, analyzerPath);
        if (pending) return { entity: pending, created: false };
        const [{ n }] = (await manager.query(COUNTED_ANALYSES_SQL, [targetId, from, to])) as Array<{ n: number }>;
        const check = checkBudget(budgetUsd, n);
        if (!check.allowed) throw new ReachabilityBudgetExhaustedError(targetId, month, check.budgetUsd, check.spentUsd, to);
        const entity = await manager.save(
          manager.create(ReachabilityConfirmationEntity, {
            targetId,
            findingId,
            subject,
            status: 'queued',
            query: analysis.query,
            analyzerPath,
            sgdoctor: pathVerdictOf(analysis),
            requestedAt,
          }),
        );
        return { entity, created: true };
      });
    } catch (error) {
      // The unique index is the last word: a pending confirmation of the same question won.
      const pending = isPendingQuestionConflict(error) ? await this.pendingFor(this.dataSource.manager, asker, analyzerPath) : null;
      if (!pending) throw error;
      outcome = { entity: pending, created: false };
    }
    if (outcome.created) await this.enqueue(outcome.entity);
    return { confirmation: ConfirmationDto.fromEntity(outcome.entity), created: outcome.created };
  }

  private async pendingFor(
    manager: EntityManager,
    asker: Asker,
    analyzerPath: AnalyzerPathInput,
  ): Promise<ReachabilityConfirmationEntity | null> {
    const [sql, key] = 'findingId' in asker ? [PENDING_QUESTION_SQL, asker.findingId] : [PENDING_PATH_QUESTION_SQL, asker.targetId];
    const rows = (await manager.query(sql, [key, JSON.stringify(analyzerPath)])) as Array<{ id: string }>;
    return rows.length === 0 ? null : manager.findOneBy(ReachabilityConfirmationEntity, { id: rows[0].id });
  }

  private async enqueue(entity: ReachabilityConfirmationEntity): Promise<void> {
    const payload: ConfirmationJobPayload = { confirmationId: entity.id };
    try {
      // One attempt: every try is a billed analysis; a failed confirmation says why and can be asked again.
      await this.jobs.enqueue(REACHABILITY_CONFIRM_JOB, payload, { jobId: confirmationJobId(entity.id), attempts: 1 });
    } catch (error) {
      // Without a job it would stay queued forever and hold a share of the budget: fail it now.
      await this.confirmations.update(
        { id: entity.id, status: 'queued' },
        {
          status: 'failed',
          finishedAt: this.clock.now(),
          failure: { code: 'QUEUE.UNAVAILABLE', reason: 'the confirmation could not be queued' },
        },
      );
      throw new AppError(
        ErrorCode.DependencyUnavailable,
        'The job queue is unavailable; the confirmation was not started.',
        {},
        { cause: error },
      );
    }
  }
}

function isPendingQuestionConflict(error: unknown): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? (error as { code?: string; constraint?: string });
  return (
    driverError?.code === UNIQUE_VIOLATION && driverError.constraint !== undefined && PENDING_QUESTION_INDEXES.has(driverError.constraint)
  );
}
