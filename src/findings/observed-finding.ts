import type { Finding } from '../engine/findings/finding';
import type { FlowAggregate } from '../engine/flow-log/flow-record';

/** A finding as one analysis saw it, with what the findings table keeps beside it. */
export interface ObservedFinding {
  finding: Finding;
  /** Its busiest rejected flows (capped). */
  flows: FlowAggregate[];
  /** Rejected records per time bucket start (ISO). */
  counts: Record<string, number>;
  vpcIds: string[];
  /** The accounts owning its interfaces (the interface's OwnerId in the snapshot, else the records' account-id). */
  accountIds: string[];
}
