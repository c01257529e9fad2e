import {
  addUnreadRecords,
  emptyUnreadRecords,
  totalOf,
  UNREAD_RECORD_REASONS,
  type UnreadRecords,
} from '../engine/flow-log/unread-records';
import type { FlowSourceStatistics, FlowSourceWarning } from './flow-source';

/** The records a source counted as left out of one place it read: an Athena table, a log group. */
export interface UnreadRecordsOf {
  source: string;
  unread: UnreadRecords;
}

/**
 * The statistics of the records a query source (Athena, CloudWatch Logs) counted as left out of
 * the window's aggregates, in the fields the files source fills: `malformedLines`,
 * `incompleteRecords` by reason and `skipdataRecords`; and, for each place with records that could
 * not be read, a warning naming it with the reasons and their records.
 */
export function unreadStatistics(
  places: readonly UnreadRecordsOf[],
): Required<Pick<FlowSourceStatistics, 'malformedLines' | 'incompleteRecords' | 'skipdataRecords' | 'warnings'>> &
  Pick<FlowSourceStatistics, 'incompleteByReason'> {
  const all = emptyUnreadRecords();
  const warnings: FlowSourceWarning[] = [];
  for (const { source, unread } of places) {
    addUnreadRecords(all, unread);
    const counts: Partial<Record<string, number>> = { ...unread.incompleteByReason, ...unread.malformedByReason };
    const reasons = UNREAD_RECORD_REASONS.filter((reason) => (counts[reason] ?? 0) > 0).map((reason) => `${reason} (${counts[reason]})`);
    const records = totalOf(unread.incompleteByReason) + totalOf(unread.malformedByReason);
    if (records > 0) {
      warnings.push({
        file: source,
        message: `${records} record${records === 1 ? '' : 's'} of the window could not be read and ${records === 1 ? 'is' : 'are'} not in the analysis: ${reasons.join(', ')}`,
      });
    }
  }
  const incomplete = totalOf(all.incompleteByReason);
  return {
    malformedLines: totalOf(all.malformedByReason),
    incompleteRecords: incomplete,
    ...(incomplete > 0 ? { incompleteByReason: all.incompleteByReason } : {}),
    skipdataRecords: all.skipdata,
    warnings,
  };
}
