import type { TargetBudget } from '../targets/target-settings';
import type { ScanPrefixBasis } from './scan-prefixes';

/** What a window's scan will read and cost, from the sizes of its partitions' objects. */
export interface ScanEstimate {
  bytes: number;
  objects: number;
  /** Athena's bill for that many bytes (10 MB minimum, per-MB rounding, on-demand price). */
  costUsd: number;
  /** How the prefixes were found, and how many were listed. */
  basis: ScanPrefixBasis;
  prefixes: number;
  /** False when the listing stopped early: the figures are a lower bound. */
  complete: boolean;
  budget: TargetBudget;
  month: { month: string; spentUsd: number };
}
