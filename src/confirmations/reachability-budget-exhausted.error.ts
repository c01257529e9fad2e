import { AppError } from '../common/errors/app.error';
import { ErrorCode } from '../common/errors/error-code';
import { REACHABILITY_ANALYSIS_PRICE_USD } from './reachability-budget';

export class ReachabilityBudgetExhaustedError extends AppError {
  constructor(targetId: string, month: string, budgetUsd: number, spentUsd: number, resetsAt: Date) {
    super(
      ErrorCode.ConfirmationBudgetExhausted,
      `Target ${targetId} has spent USD ${spentUsd.toFixed(2)} of its USD ${budgetUsd.toFixed(2)} Reachability Analyzer budget for ${month}; ` +
        `one more analysis costs USD ${REACHABILITY_ANALYSIS_PRICE_USD.toFixed(2)}. The budget is REACHABILITY_MONTHLY_BUDGET_USD.`,
      { targetId, month, budgetUsd, spentUsd, costPerAnalysisUsd: REACHABILITY_ANALYSIS_PRICE_USD, resetsAt: resetsAt.toISOString() },
    );
  }
}
