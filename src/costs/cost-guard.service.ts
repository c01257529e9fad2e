import { Injectable, Logger } from '@nestjs/common';
import { ATHENA_PRICE_PER_TB_USD } from '../aws/athena-flow-source';
import { estimateAthenaCostUsd } from '../aws/athena-flow-query';
import { AthenaTableInspector } from '../aws/athena-table-inspector';
import { planAthenaTable } from '../aws/athena-table-layout';
import { Clock } from '../common/clock/clock';
import { monthOf } from '../confirmations/reachability-budget';
import { awsTargetOf } from '../snapshots/aws-target-of.util';
import type { AthenaFlowSourceSettings } from '../targets/target-sources';
import type { TargetBudget } from '../targets/target-settings';
import type { Target } from '../targets/target-sources';
import { BudgetExceededError, BudgetUnestimableError } from './budget-exceeded.error';
import type { ScanEstimate } from './scan-estimate';
import { scanPrefixes } from './scan-prefixes';
import { type ListingLimits, S3ScanEstimator } from './s3-scan-estimator';
import { TargetCostsService } from './target-costs.service';

/** The API's check before queueing stops listing after this long or this many objects; the worker's check lists everything. */
export const PRECHECK_LIMITS = { timeoutMs: 3000, maxObjects: 20_000 };

/**
 * Keeps a target's Athena scans within its budget: before a scan, the bytes it will read are
 * estimated from the sizes of the objects under the window's partition prefixes (S3 listing),
 * priced as Athena bills them, and a scan over the per-analysis budget, or one that would take
 * the month's spending (the Clock's month) over the monthly budget, is refused with the estimate.
 */
@Injectable()
export class CostGuard {
  private readonly logger = new Logger(CostGuard.name);

  constructor(
    private readonly tables: AthenaTableInspector,
    private readonly estimator: S3ScanEstimator,
    private readonly costs: TargetCostsService,
    private readonly clock: Clock,
  ) {}

  /**
   * The estimate of the window's scan, or null when the target has no budget or no Athena source.
   * Throws BudgetExceededError when it is over budget, BudgetUnestimableError when it cannot be made.
   */
  async admit(target: Target, window: { from: Date; to: Date }, limits: ListingLimits = {}): Promise<ScanEstimate | null> {
    const budget = activeBudget(target.budget);
    const source = target.flowSource;
    if (!budget || source.type !== 'athena') return null;
    const estimate = await this.estimate(target, source, budget, window, limits);
    if (budget.perAnalysisUsd !== null && exceeds(estimate.costUsd, budget.perAnalysisUsd))
      throw new BudgetExceededError(target.id, estimate, 'perAnalysis');
    if (budget.monthlyUsd !== null && exceeds(estimate.month.spentUsd + estimate.costUsd, budget.monthlyUsd)) {
      throw new BudgetExceededError(target.id, estimate, 'monthly');
    }
    return estimate;
  }

  /**
   * The API's quick check before an analysis is queued: a listing bounded in time and objects
   * (what it found is a lower bound, so a refusal is always right). Anything short of a refusal —
   * an unfinished listing, an AWS error — leaves the decision to the worker's full check.
   */
  async precheck(target: Target, window: { from: Date; to: Date }): Promise<void> {
    try {
      await this.admit(target, window, { maxObjects: PRECHECK_LIMITS.maxObjects, deadline: performance.now() + PRECHECK_LIMITS.timeoutMs });
    } catch (error) {
      if (error instanceof BudgetExceededError) throw error;
      this.logger.warn(
        `the scan of target ${target.id} could not be estimated before queueing (the worker checks again): ${String(error)}`,
      );
    }
  }

  private async estimate(
    target: Target,
    source: AthenaFlowSourceSettings,
    budget: TargetBudget,
    window: { from: Date; to: Date },
    limits: ListingLimits,
  ): Promise<ScanEstimate> {
    const aws = awsTargetOf(target);
    const schema = await this.tables.read(aws, source);
    const layout = planAthenaTable(schema, source.layout, source.logFormat).layout;
    const prefixes = scanPrefixes({
      parameters: schema.parameters,
      partitionKeys: schema.partitionKeys.map((key) => key.name),
      layout,
      accountId: target.accountId,
      region: target.region,
      logDestination: source.logDestination ?? null,
      from: window.from,
      to: window.to,
    });
    if (!prefixes)
      throw new BudgetUnestimableError(
        target.id,
        `the table ${source.database}.${source.table} states no S3 location and the target no logDestination`,
      );
    const listed = await this.estimator.size(aws, prefixes.locations, limits);
    const month = monthOf(this.clock.now());
    const spent = await this.costs.month(target.id, month);
    return {
      bytes: listed.bytes,
      objects: listed.objects,
      costUsd: estimateAthenaCostUsd(listed.bytes, ATHENA_PRICE_PER_TB_USD),
      basis: prefixes.basis,
      prefixes: prefixes.locations.length,
      complete: listed.complete,
      budget,
      month: { month: month.month, spentUsd: spent.costUsd },
    };
  }
}

function activeBudget(budget: TargetBudget | null | undefined): TargetBudget | null {
  if (!budget || (budget.perAnalysisUsd === null && budget.monthlyUsd === null)) return null;
  return budget;
}

/** Money compared to a millionth of a dollar, so float sums do not refuse a scan that fits exactly. */
function exceeds(costUsd: number, limitUsd: number): boolean {
  return Math.round(costUsd * 1e6) > Math.round(limitUsd * 1e6);
}
