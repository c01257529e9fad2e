import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import type { ScanEstimate } from './scan-estimate';

/** A scan refused before it ran: its estimate is over the target's per-analysis or monthly budget. */
export class BudgetExceededError extends AppError {
  constructor(
    readonly targetId: string,
    readonly estimate: ScanEstimate,
    readonly limit: 'perAnalysis' | 'monthly',
  ) {
    const cost = usd(estimate.costUsd);
    const why =
      limit === 'perAnalysis'
        ? `over its per-analysis budget of ${usd(estimate.budget.perAnalysisUsd ?? 0)}`
        : `and ${usd(estimate.month.spentUsd)} already spent in ${estimate.month.month}, over its monthly budget of ${usd(estimate.budget.monthlyUsd ?? 0)}`;
    super(
      ErrorCode.BudgetExceeded,
      `The scan of target ${targetId} for this window would read about ${gib(estimate.bytes)} (${estimate.objects} objects), costing about ${cost}, ${why}.`,
      { targetId, limit, estimate },
    );
  }
}

/** The scan's size could not be found (no table location, no flow-log destination) and the target has a budget. */
export class BudgetUnestimableError extends AppError {
  constructor(targetId: string, reason: string) {
    super(ErrorCode.BudgetUnestimable, `The scan of target ${targetId} cannot be estimated, so its budget cannot be kept: ${reason}.`, {
      targetId,
    });
  }
}

function usd(value: number): string {
  return `USD ${value < 0.01 ? value.toFixed(6) : value.toFixed(2)}`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(3)} GiB`;
}
