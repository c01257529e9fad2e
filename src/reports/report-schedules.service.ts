import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { FieldError } from '../common/errors/app.error';
import { DependencyUnavailableError } from '../common/errors/dependency-unavailable.error';
import { isForeignKeyViolation } from '../database/constraint-violation.util';
import { ValidationError } from '../common/errors/validation.error';
import { TargetsService } from '../targets/targets.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { cronProblem, isValidTimeZone } from './cron-schedule.util';
import type { CreateReportScheduleDto } from './dto/create-report-schedule.dto';
import { ReportRunDto, ReportRunStatusDto } from './dto/report-run.dto';
import { ReportScheduleDto } from './dto/report-schedule.dto';
import type { UpdateReportScheduleDto } from './dto/update-report-schedule.dto';
import { REPORT_FORMATS } from './render/report-renderers';
import type { ReportFormat } from './render/report-data';
import { ReportRunEntity } from './report-run.entity';
import { ReportRunNotFoundError } from './report-run-not-found.error';
import { ReportScheduleNotFoundError } from './report-schedule-not-found.error';
import { ReportScheduleEntity } from './report-schedule.entity';
import { ReportSchedulerService } from './report-scheduler.service';
import { Clock } from '../common/clock/clock';
import type { IntegrationsConfig } from '../config/app-config';

/**
 * Report schedules; each change is applied to its BullMQ job scheduler at once. The schedule in
 * PostgreSQL is the truth: while Redis is unreachable a change is still saved, and the worker's
 * reconciler brings the scheduler in line when Redis is back.
 */
@Injectable()
export class ReportSchedulesService {
  private readonly logger = new Logger(ReportSchedulesService.name);
  /** A cron may not fire twice within this many seconds: each run analyses every target of the schedule. */
  private readonly minIntervalSeconds: number;

  constructor(
    @InjectRepository(ReportScheduleEntity) private readonly schedules: Repository<ReportScheduleEntity>,
    private readonly targets: TargetsService,
    private readonly webhooks: WebhooksService,
    private readonly scheduler: ReportSchedulerService,
    @InjectRepository(ReportRunEntity) private readonly runs: Repository<ReportRunEntity>,
    private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.minIntervalSeconds = config.get<IntegrationsConfig>('integrations', { infer: true })!.reportMinIntervalSeconds;
  }

  async create(dto: CreateReportScheduleDto): Promise<ReportScheduleDto> {
    const timeZone = dto.timeZone ?? 'UTC';
    await this.validate({ cron: dto.cron, timeZone, targetIds: dto.targetIds, webhookIds: dto.webhookIds ?? [] });
    const entity = await this.schedules.save(
      this.schedules.create({
        name: dto.name ?? `report ${dto.cron} ${timeZone}`,
        targetIds: dto.targetIds,
        cron: dto.cron.trim(),
        timeZone,
        lookbackHours: dto.lookbackHours ?? 24,
        formats: (dto.formats ?? REPORT_FORMATS) as ReportFormat[],
        webhookIds: dto.webhookIds ?? [],
        enabled: dto.enabled ?? true,
      }),
    );
    await this.sync(entity.id, () => this.scheduler.apply(entity));
    return ReportScheduleDto.fromEntity(entity, this.clock.now());
  }

  async list(): Promise<ReportScheduleDto[]> {
    const rows = await this.schedules.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const now = this.clock.now();
    return rows.map((row) => ReportScheduleDto.fromEntity(row, now));
  }

  async get(id: string): Promise<ReportScheduleDto> {
    return ReportScheduleDto.fromEntity(await this.getEntity(id), this.clock.now());
  }

  async update(id: string, dto: UpdateReportScheduleDto): Promise<ReportScheduleDto> {
    const current = await this.getEntity(id);
    const changes: Partial<ReportScheduleEntity> = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.targetIds !== undefined ? { targetIds: dto.targetIds } : {}),
      ...(dto.cron !== undefined ? { cron: dto.cron.trim() } : {}),
      ...(dto.timeZone !== undefined ? { timeZone: dto.timeZone } : {}),
      ...(dto.lookbackHours !== undefined ? { lookbackHours: dto.lookbackHours } : {}),
      ...(dto.formats !== undefined ? { formats: dto.formats as ReportFormat[] } : {}),
      ...(dto.webhookIds !== undefined ? { webhookIds: dto.webhookIds } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    };
    // The targets and webhooks it names are checked when the change names them: one deleted since
    // (a target's DELETE leaves the schedules naming it) must not keep the schedule from being
    // renamed or disabled.
    await this.validate({
      cron: changes.cron ?? current.cron,
      timeZone: changes.timeZone ?? current.timeZone,
      targetIds: changes.targetIds ?? [],
      webhookIds: changes.webhookIds ?? [],
    });
    // An UPDATE of the changed columns of the existing row, never save(): save() inserts the row
    // when it no longer finds it, so a change that met a DELETE wrote the deleted schedule back,
    // and its reports ran on. Only those columns, so a run's lastRunAt written meanwhile stays.
    if (Object.keys(changes).length > 0) {
      const result = await this.schedules.update({ id }, changes);
      if (!result.affected) throw new ReportScheduleNotFoundError(id);
    }
    const saved = Object.keys(changes).length > 0 ? await this.getEntity(id) : current;
    await this.sync(saved.id, () => this.scheduler.apply(saved));
    return ReportScheduleDto.fromEntity(saved, this.clock.now());
  }

  async remove(id: string): Promise<void> {
    await this.getEntity(id);
    await this.sync(id, () => this.scheduler.remove(id));
    await this.schedules.delete({ id });
  }

  private async sync(id: string, apply: () => Promise<void>): Promise<void> {
    try {
      await apply();
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      this.logger.warn(`report schedule ${id} saved; its jobs follow when Redis is back (reconciler)`);
    }
  }

  async runNow(id: string): Promise<ReportRunDto> {
    await this.getEntity(id);
    const runId = randomUUID();
    const requestedAt = this.clock.now();
    // Recorded first: a run whose job is lost (or cannot be queued now) is queued by the reconciler.
    try {
      await this.runs.insert({ id: runId, scheduleId: id, requestedAt, status: 'queued' });
    } catch (error) {
      // Deleted since it was read above, by a request that ran meanwhile.
      if (isForeignKeyViolation(error, 'fk_report_runs_schedule')) throw new ReportScheduleNotFoundError(id);
      throw error;
    }
    await this.sync(id, () => this.scheduler.runNow(id, runId, requestedAt));
    return Object.assign(new ReportRunDto(), { runId, scheduleId: id, requestedAt: requestedAt.toISOString() });
  }

  /** A "run now" of the schedule, as it stands. */
  async getRun(scheduleId: string, runId: string): Promise<ReportRunStatusDto> {
    const run = await this.runs.findOneBy({ id: runId, scheduleId });
    if (!run) throw new ReportRunNotFoundError(runId);
    return ReportRunStatusDto.fromEntity(run);
  }

  /** Every schedule (the reconciler makes the queue's schedulers agree with them). */
  all(): Promise<ReportScheduleEntity[]> {
    return this.schedules.find();
  }

  async getEntity(id: string): Promise<ReportScheduleEntity> {
    const entity = await this.schedules.findOneBy({ id });
    if (!entity) throw new ReportScheduleNotFoundError(id);
    return entity;
  }

  private async validate(schedule: Pick<ReportScheduleEntity, 'cron' | 'timeZone' | 'targetIds' | 'webhookIds'>): Promise<void> {
    const errors: FieldError[] = [];
    const zoneOk = isValidTimeZone(schedule.timeZone);
    if (!zoneOk) errors.push({ field: 'timeZone', message: `timeZone ${schedule.timeZone} is not an IANA time zone` });
    const cron = cronProblem(schedule.cron, zoneOk ? schedule.timeZone : 'UTC', this.minIntervalSeconds);
    if (cron) errors.push({ field: 'cron', message: cron });
    const targets = await this.targets.findEntities(schedule.targetIds);
    const unknownTargets = schedule.targetIds.filter((id) => !targets.some((t) => t.id === id));
    if (unknownTargets.length > 0) errors.push({ field: 'targetIds', message: `unknown targets: ${unknownTargets.join(', ')}` });
    if (schedule.webhookIds.length > 0) {
      const hooks = await this.webhooks.formatsOf(schedule.webhookIds);
      const unknown = schedule.webhookIds.filter((id) => !hooks.some((h) => h.id === id));
      if (unknown.length > 0) errors.push({ field: 'webhookIds', message: `unknown webhooks: ${unknown.join(', ')}` });
      const ticketing = hooks.filter((h) => h.format === 'jira' || h.format === 'servicenow');
      if (ticketing.length > 0)
        errors.push({ field: 'webhookIds', message: `ticketing webhooks cannot carry reports: ${ticketing.map((h) => h.id).join(', ')}` });
    }
    if (errors.length > 0) throw new ValidationError(errors);
  }
}
