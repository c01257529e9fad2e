/** What AWS charges for one Reachability Analyzer analysis (us-east-1 price list, per analysis). */
export const REACHABILITY_ANALYSIS_PRICE_USD = 0.1;

const CENTS_PER_ANALYSIS = Math.round(REACHABILITY_ANALYSIS_PRICE_USD * 100);

/** The calendar month (UTC) holding `now`: `[from, to)` and its `YYYY-MM` label. */
export function monthOf(now: Date): { month: string; from: Date; to: Date } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    month: `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`,
    from: startOfUtcMonth(year, month),
    to: startOfUtcMonth(year, month + 1),
  };
}

/** Midnight UTC on the first of a month; the year as given (Date.UTC reads 0–99 as 1900–1999). */
export function startOfUtcMonth(year: number, month: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 1);
  return date;
}

export interface BudgetCheck {
  allowed: boolean;
  budgetUsd: number;
  spentUsd: number;
  analysesCounted: number;
}

/**
 * Whether one more analysis fits a monthly budget, `analysesCounted` being those already counted
 * this month. Money is compared in whole cents, so ten analyses fit USD 1.00 exactly.
 */
export function checkBudget(budgetUsd: number, analysesCounted: number): BudgetCheck {
  const budgetCents = Math.round(budgetUsd * 100);
  const spentCents = analysesCounted * CENTS_PER_ANALYSIS;
  return {
    allowed: spentCents + CENTS_PER_ANALYSIS <= budgetCents,
    budgetUsd: budgetCents / 100,
    spentUsd: spentCents / 100,
    analysesCounted,
  };
}
