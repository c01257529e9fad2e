import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, IsNull, Not, type Repository } from 'typeorm';
import type { AthenaPartitionLayout } from '../aws/athena-query-builder';
import { AthenaTableInspector, type AthenaTableSchema } from '../aws/athena-table-inspector';
import { planAthenaTable } from '../aws/athena-table-layout';
import { AwsAdapterError } from '../aws/aws-adapter.error';
import { parseLogFormat } from '../engine/flow-log/flow-log-fields';
import type { AppConfig } from '../config/app-config';
import type { FieldError } from '../common/errors/app.error';
import { ValidationError } from '../common/errors/validation.error';
import { DataPathResolver } from './data-path.resolver';
import type { AthenaLayoutDto } from './dto/athena-layout.dto';
import type { ConfigSourceDto } from './dto/config-source.dto';
import type { CreateTargetDto } from './dto/create-target.dto';
import type { FlowSourceDto } from './dto/flow-source.dto';
import type { TargetAccessDto } from './dto/target-access.dto';
import type { TargetScopeDto } from './dto/target-scope.dto';
import { TargetDto } from './dto/target.dto';
import type { UpdateTargetDto } from './dto/update-target.dto';
import { AthenaTableUnreadableError } from './athena-table-unreadable.error';
import { checkSettingsApply } from './settings-apply.util';
import { TargetNotFoundError } from './target-not-found.error';
import type { ConfigSourceSettings, FlowSourceSettings, Target, TargetAccess, TargetScope } from './target-sources';
import { TargetEntity } from './target.entity';
import type { ContinuousSettings, ContinuousState, TargetBudget } from './target-settings';
import type { ContinuousInputDto } from './dto/continuous.dto';
import type { TargetBudgetInputDto } from './dto/target-budget.dto';
import { ContinuousScheduler } from '../continuous/continuous-scheduler.service';
import { defaultDeliveryDelayMinutes, initialContinuousState } from '../continuous/continuous-window';
import { Clock } from '../common/clock/clock';

@Injectable()
export class TargetsService {
  readonly paths: DataPathResolver;

  constructor(
    @InjectRepository(TargetEntity) private readonly targets: Repository<TargetEntity>,
    private readonly tables: AthenaTableInspector,
    private readonly schedulers: ContinuousScheduler,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.paths = new DataPathResolver(config.get('dataRoot', { infer: true }));
  }

  async create(dto: CreateTargetDto): Promise<TargetDto> {
    checkSettingsApply(dto);
    const entity = this.targets.create({
      name: dto.name ?? `${dto.accountId}/${dto.region}`,
      accountId: dto.accountId,
      region: dto.region,
      access: accessOf(dto.access),
      scope: scopeOf(dto.scope),
      flowSource: await this.flowSourceOf(dto.flowSource),
      configSource: await this.configSourceOf(dto.configSource),
      budget: budgetOf(dto.budget),
      continuous: null,
      continuousState: null,
    });
    this.setContinuous(entity, dto.continuous);
    checkBudgetApplies(entity);
    await this.checkAthenaTable(entity, dto.flowSource.layout !== undefined);
    const saved = await this.targets.save(entity);
    if (saved.continuous) await this.schedulers.apply(saved);
    return TargetDto.fromEntity(saved);
  }

  async list(): Promise<TargetDto[]> {
    const entities = await this.targets.find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return entities.map((entity) => TargetDto.fromEntity(entity));
  }

  async get(id: string): Promise<TargetDto> {
    return TargetDto.fromEntity(await this.getEntity(id));
  }

  /** Every continuous target, with its settings (for the reconciler's schedulers). */
  async continuousTargets(): Promise<Array<Pick<Target, 'id' | 'continuous'>>> {
    return this.targets.find({ where: { continuous: Not(IsNull()) }, select: { id: true, continuous: true } });
  }

  /** Locks a target's row in the caller's transaction (one continuous tick at a time) and returns its continuous settings and state. */
  async lockContinuous(manager: EntityManager, id: string): Promise<Pick<Target, 'id' | 'continuous' | 'continuousState'> | null> {
    return manager
      .getRepository(TargetEntity)
      .findOne({ where: { id }, select: { id: true, continuous: true, continuousState: true }, lock: { mode: 'pessimistic_write' } });
  }

  async saveContinuousState(manager: EntityManager, id: string, state: ContinuousState): Promise<void> {
    await manager.update(TargetEntity, { id }, { continuousState: state });
  }

  async getEntity(id: string): Promise<TargetEntity> {
    const entity = await this.targets.findOneBy({ id });
    if (!entity) throw new TargetNotFoundError(id);
    return entity;
  }

  async update(id: string, dto: UpdateTargetDto): Promise<TargetDto> {
    checkSettingsApply(dto);
    const entity = await this.getEntity(id);
    const before = new Map(Object.entries(entity).map(([column, value]) => [column, JSON.stringify(value)]));
    if (dto.name !== undefined) entity.name = dto.name;
    if (dto.accountId !== undefined) entity.accountId = dto.accountId;
    if (dto.region !== undefined) entity.region = dto.region;
    if (dto.access !== undefined) entity.access = accessOf(dto.access);
    if (dto.scope !== undefined) entity.scope = scopeOf(dto.scope);
    if (dto.flowSource !== undefined) entity.flowSource = await this.flowSourceOf(dto.flowSource);
    if (dto.configSource !== undefined) entity.configSource = await this.configSourceOf(dto.configSource);
    if (dto.budget !== undefined) entity.budget = budgetOf(dto.budget);
    // Checked when either changes: a target stored before the rule keeps working until then.
    if (dto.budget !== undefined || dto.flowSource !== undefined) checkBudgetApplies(entity);
    const continuousBefore = JSON.stringify(entity.continuous);
    if (dto.continuous !== undefined) this.setContinuous(entity, dto.continuous);
    const reachesTable =
      dto.flowSource !== undefined || dto.accountId !== undefined || dto.region !== undefined || dto.access !== undefined;
    if (reachesTable && entity.flowSource.type === 'athena') {
      // A new flow source states its layout or leaves it to the table; an unchanged one keeps the stored layout.
      await this.checkAthenaTable(entity, dto.flowSource === undefined || dto.flowSource.layout !== undefined);
    }
    // An UPDATE of the columns this request changed, never save(): save() inserts the row when it
    // no longer finds it, so a PATCH that met a DELETE wrote the deleted target back (without
    // its analyses and findings), and one that lost the race to another such PATCH was a 500.
    // Only the changed columns, so the worker's watermark (continuousState) written meanwhile stays.
    const changes = Object.fromEntries(
      Object.entries(entity).filter(([column, value]) => JSON.stringify(value) !== before.get(column)),
    ) as Partial<TargetEntity>;
    if (Object.keys(changes).length > 0) {
      const result = await this.targets.update({ id }, changes);
      if (!result.affected) throw new TargetNotFoundError(id);
    }
    const saved = Object.keys(changes).length > 0 ? await this.getEntity(id) : entity;
    if (JSON.stringify(saved.continuous) !== continuousBefore) await this.schedulers.apply(saved);
    return TargetDto.fromEntity(saved);
  }

  /** Deletes the target with its analyses and findings (their events stay in the outbox). */
  async remove(id: string): Promise<void> {
    const result = await this.targets.delete({ id });
    if (!result.affected) throw new TargetNotFoundError(id);
    await this.schedulers.remove(id);
  }

  /**
   * Turns rolling analyses on, changes or off. Turned on (again), the watermark starts at
   * `now − delivery delay`: what was delivered before is left to analyses on request.
   */
  private setContinuous(entity: TargetEntity, dto: ContinuousInputDto | undefined): void {
    if (!dto || dto.enabled === false) {
      entity.continuous = null;
      return;
    }
    const settings: ContinuousSettings = {
      everyMinutes: dto.everyMinutes!,
      deliveryDelayMinutes: dto.deliveryDelayMinutes ?? defaultDeliveryDelayMinutes(entity.flowSource.type),
    };
    if (!entity.continuous || !entity.continuousState)
      entity.continuousState = initialContinuousState(this.clock.now(), settings.deliveryDelayMinutes);
    entity.continuous = settings;
  }

  private async flowSourceOf(dto: FlowSourceDto): Promise<FlowSourceSettings> {
    if (dto.type === 'files') {
      if (dto.logFormat !== undefined) checkLogFormat(dto.logFormat);
      return { type: 'files', paths: await this.normalizePaths('flowSource.paths', dto.paths ?? []), logFormat: dto.logFormat ?? null };
    }
    if (dto.logFormat !== undefined && (dto.type === 'cloudwatch-logs' || dto.type === 's3')) checkLogFormat(dto.logFormat);
    if (dto.type === 'cloudwatch-logs') {
      return {
        type: 'cloudwatch-logs',
        logGroupName: dto.logGroupName ?? null,
        flowLogId: dto.flowLogId ?? null,
        logFormat: dto.logFormat ?? null,
      };
    }
    if (dto.type === 's3') {
      checkDeliverySettings(dto);
      return {
        type: 's3',
        bucket: required('flowSource.bucket', dto.bucket),
        prefix: dto.prefix ?? null,
        accountId: dto.accountId ?? null,
        region: dto.region ?? null,
        fileFormat: dto.fileFormat ?? 'text',
        hiveCompatible: dto.hiveCompatible ?? false,
        perHourPartitions: dto.perHourPartitions ?? false,
        delivery: dto.delivery ?? 'flow-logs',
        logFormat: dto.logFormat ?? null,
      };
    }
    return {
      type: 'athena',
      workgroup: dto.workgroup ?? null,
      catalog: dto.catalog ?? null,
      database: required('flowSource.database', dto.database),
      table: required('flowSource.table', dto.table),
      outputLocation: dto.outputLocation ?? null,
      layout: layoutOf(dto.layout),
      logFormat: dto.logFormat ?? null,
      logDestination: dto.logDestination ?? null,
    };
  }

  /**
   * Reads the Athena table of a target (GetTableMetadata) and refuses it when the query could not
   * run on it, naming the reason; otherwise stores the layout with the table's own column types
   * (and the account and region partitions it has). With `statesLayout` false the layout is read
   * off the table's partition keys; otherwise the target's layout is an override, checked.
   */
  private async checkAthenaTable(entity: TargetEntity, statesLayout: boolean): Promise<void> {
    const source = entity.flowSource;
    if (source.type !== 'athena') return;
    const statedLayout = statesLayout ? source.layout : null;
    let schema: AthenaTableSchema;
    try {
      schema = await this.tables.read(
        {
          accountId: entity.accountId,
          region: entity.region,
          roleArn: entity.access.type === 'assume-role' ? entity.access.roleArn : null,
          externalId: entity.access.type === 'assume-role' ? entity.access.externalId : null,
        },
        source,
      );
    } catch (error) {
      if (error instanceof AwsAdapterError && error.code === 'AWS.INVALID_IDENTIFIER') {
        throw new ValidationError([{ field: 'flowSource', message: error.message }]);
      }
      throw new AthenaTableUnreadableError(`${source.database}.${source.table}`, error);
    }
    const plan = planAthenaTable(schema, statedLayout, source.logFormat);
    if (plan.problems.length > 0) {
      throw new ValidationError(
        plan.problems,
        `The Athena table ${source.database}.${source.table} cannot serve as this target's flow source.`,
      );
    }
    source.layout = plan.layout;
  }

  // Queries other modules need; the targets table is read only here.

  /** One target's record, or null (a target deleted meanwhile). */
  findEntity(id: string): Promise<TargetEntity | null> {
    return this.targets.findOneBy({ id });
  }

  /** These targets' records, by name. */
  findEntities(ids: readonly string[]): Promise<TargetEntity[]> {
    return this.targets.find({ where: { id: In([...ids]) }, order: { name: 'ASC' } });
  }

  private async configSourceOf(dto: ConfigSourceDto): Promise<ConfigSourceSettings> {
    if (dto.type === 'ec2') return dto.history ? { type: 'ec2', history: dto.history } : { type: 'ec2' };
    if (dto.type === 'organization') {
      return {
        type: 'organization',
        accounts: dto.accounts ? [...new Set(dto.accounts)].sort() : null,
        regions: [...new Set(dto.regions ?? [])].sort(),
        roleName: required('configSource.roleName', dto.roleName),
        externalId: dto.externalId ?? null,
      };
    }
    const paths = dto.paths ?? [];
    const files: string[] = [];
    for (const [index, path] of paths.entries()) files.push(await this.paths.normalizeFile(`configSource.paths[${index}]`, path));
    return { type: 'snapshot-file', paths: files };
  }

  private async normalizePaths(field: string, paths: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const [index, path] of paths.entries()) out.push(await this.paths.normalize(`${field}[${index}]`, path));
    return out;
  }
}

/** A budget bounds what Athena scans: on a target that reads its flows elsewhere it would bound nothing, so it is refused, not kept. */
function checkBudgetApplies(entity: TargetEntity): void {
  if (entity.budget && entity.flowSource.type !== 'athena') {
    throw new ValidationError([
      {
        field: 'budget',
        message: `applies to targets with an Athena flow source only, and this one's is ${entity.flowSource.type}: remove it with {}`,
      },
    ]);
  }
}

function budgetOf(dto: TargetBudgetInputDto | undefined): TargetBudget | null {
  if (!dto || (dto.perAnalysisUsd === undefined && dto.monthlyUsd === undefined)) return null;
  return { perAnalysisUsd: dto.perAnalysisUsd ?? null, monthlyUsd: dto.monthlyUsd ?? null };
}

function required(field: string, value: string | undefined): string {
  if (!value) throw new ValidationError([{ field, message: `${field} is required` }]);
  return value;
}

type DeliveryRefusals = ReadonlyArray<{ field: keyof FlowSourceDto; given: (dto: FlowSourceDto) => boolean; why: string }>;

/**
 * The S3 settings a delivery's keys cannot carry, refused rather than stored and ignored. A
 * CloudWatch Logs export task writes gzip text under `<prefix>/<task id>/<log stream>/`; Data
 * Firehose writes under the stream's own prefix, then `YYYY/MM/DD/HH/`.
 */
const REFUSED_BY_DELIVERY: Partial<Record<NonNullable<FlowSourceDto['delivery']>, DeliveryRefusals>> = {
  'cloudwatch-export': [
    { field: 'fileFormat', given: (d) => d.fileFormat === 'parquet', why: 'must be text (an export task writes gzip text)' },
    { field: 'hiveCompatible', given: (d) => d.hiveCompatible === true, why: 'does not apply (the keys of an export carry no date)' },
    { field: 'perHourPartitions', given: (d) => d.perHourPartitions === true, why: 'does not apply (the keys of an export carry no date)' },
    { field: 'accountId', given: (d) => d.accountId !== undefined, why: 'does not apply (the keys of an export name no account)' },
    { field: 'region', given: (d) => d.region !== undefined, why: 'does not apply (the keys of an export name no region)' },
  ],
  firehose: [
    { field: 'hiveCompatible', given: (d) => d.hiveCompatible === true, why: 'does not apply (Firehose writes YYYY/MM/DD/HH keys)' },
    { field: 'accountId', given: (d) => d.accountId !== undefined, why: 'does not apply (the keys Firehose writes name no account)' },
    { field: 'region', given: (d) => d.region !== undefined, why: 'does not apply (the keys Firehose writes name no region)' },
  ],
};

function checkDeliverySettings(dto: FlowSourceDto): void {
  const refusals = dto.delivery ? (REFUSED_BY_DELIVERY[dto.delivery] ?? []) : [];
  const errors: FieldError[] = refusals
    .filter((refusal) => refusal.given(dto))
    .map(({ field, why }) => ({ field: `flowSource.${field}`, message: `${field} ${why} with delivery ${dto.delivery}` }));
  if (errors.length > 0) throw new ValidationError(errors);
}

/**
 * A log format the flow-log reader cannot use is refused now, not at the first analysis; fields
 * sgdoctor does not know (newer than it) are read as text, as the CLI reads them.
 */
function checkLogFormat(logFormat: string): void {
  try {
    parseLogFormat(logFormat, { unknownFields: 'keep' });
  } catch (error) {
    throw new ValidationError([{ field: 'flowSource.logFormat', message: (error as Error).message }]);
  }
}

function accessOf(dto: TargetAccessDto | undefined): TargetAccess {
  if (!dto || dto.type === 'default-chain') return { type: 'default-chain' };
  return { type: 'assume-role', roleArn: required('access.roleArn', dto.roleArn), externalId: dto.externalId ?? null };
}

function scopeOf(dto: TargetScopeDto | undefined): TargetScope {
  return { vpcIds: [...new Set(dto?.vpcIds ?? [])], subnetIds: [...new Set(dto?.subnetIds ?? [])] };
}

function layoutOf(dto: AthenaLayoutDto | undefined): AthenaPartitionLayout {
  const scope = { accountColumn: dto?.accountColumn ?? null, regionColumn: dto?.regionColumn ?? null };
  if (!dto || dto.type === 'none') return { type: 'none', ...scope };
  if (dto.type === 'date-string') {
    return {
      type: 'date-string',
      column: required('flowSource.layout.column', dto.column),
      format: dto.format ?? 'yyyy/MM/dd',
      hour: dto.hour ?? null,
      ...scope,
    };
  }
  return {
    ...scope,
    type: 'date-parts',
    year: required('flowSource.layout.year', dto.year),
    month: required('flowSource.layout.month', dto.month),
    day: required('flowSource.layout.day', dto.day),
    hour: dto.hour ?? null,
    valueType: dto.valueType ?? 'string',
  };
}
