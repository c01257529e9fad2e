export const FINDING_STATUSES = ['open', 'acknowledged', 'resolved', 'suppressed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export const SEVERITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

const CLASSIFICATION_RANK: Record<string, number> = { 'likely-misconfiguration': 3, uncertain: 2, 'likely-noise': 1 };

/**
 * Where a finding stands in the default list order, most important highest: misconfigurations
 * before uncertain before noise, then by severity. The `priority` column is this rank × 10^10 +
 * last seen (epoch seconds), so the most recently seen come first within a rank.
 */
export function findingRank(classification: string, severity: string): number {
  return (CLASSIFICATION_RANK[classification] ?? 0) * 10 + (SEVERITY_RANK[severity] ?? 0);
}

/** Multiplier of the rank in `priority`: 10^10 seconds is past the year 2286. */
export const PRIORITY_RANK_SCALE = 10_000_000_000;
