import type { DegradedSignal, UndecidedGroup } from '../engine/coverage/analysis-coverage';
import type { CoverageGap } from '../engine/coverage/flow-log-coverage';
import type { ScopeNotDescribed } from '../aws/ec2-snapshotter';
import type { MemberReading } from '../aws/organization-snapshotter';
import type { NotReadMember } from '../engine/network/snapshot';
import type { ScanEstimate } from '../costs/scan-estimate';
import type { FlowSourceStatistics, FlowSourceWarning } from '../flow-sources/flow-source';

/**
 * What an analysis read, cost and concluded. Filled in stage by stage: what the flow source read
 * (FlowSourceStatistics), then what the analysis made of it.
 */
export interface AnalysisStatistics extends FlowSourceStatistics {
  /** Distinct aggregated flows (REJECT and ACCEPT). */
  aggregates?: number;
  /**
   * Organisation targets: each member account × region and whether its configuration was read.
   * A failed member is left out of the snapshot (its rejected flows stay undecided) and named
   * here with the AWS error; the analysis goes on with the others.
   */
  accounts?: MemberReading[];
  /**
   * `history: 'aws-config'`: the window was evaluated against the configuration AWS Config recorded
   * as in force at `evaluatedAt` (its start). `deletedInterfaces`: interfaces deleted since, read
   * back from their history (no longer `unknown`); `notRecorded`: resources Config has no history
   * of, evaluated as they are now; `fixedDuringWindow`: findings whose control was changed during
   * the window so that their flows are allowed (each says when, as `fixedAt`).
   */
  configHistory?: {
    source: 'aws-config';
    evaluatedAt: string;
    resources: number;
    changesDuringWindow: number;
    deletedInterfaces: string[];
    notRecorded: string[];
    fixedDuringWindow?: number;
  };
  /**
   * Parts of the configuration left out because AWS refused to describe them — route tables,
   * transit gateways or their VPC attachments when the read role predates
   * `ec2:DescribeRouteTables`, `ec2:DescribeTransitGateways` or
   * `ec2:DescribeTransitGatewayVpcAttachments`, the security-group or network ACL rule quota when
   * Service Quotas does not give it (fixes are then held to EC2's default; `QuotaCode` says which)
   * — each with the action, account, region and error code. The snapshot keeps the same list (`NotRead`); path analysis
   * names it on the hop it could not check, and a group reference through a transit gateway left
   * unknown names it in its reason.
   */
  notRead?: NotReadMember[];
  /**
   * Live targets: the VPC and subnet ids of the target's scope that EC2 does not describe (deleted
   * since the scope was written, or never in its accounts and regions), when it describes the rest.
   * The analysis covers what exists; each id is named in `warnings` too. A scope EC2 describes none
   * of fails the analysis instead (`AWS.INVALID_CONFIGURATION`).
   */
  scopeNotDescribed?: ScopeNotDescribed;
  /** How many member account × region pairs could not be read. */
  accountsFailed?: number;
  /** How many account × region pairs were not read because the organisation lists the account as not active. */
  accountsSkipped?: number;
  /** Athena source with a budget: what the scan was estimated to read and cost before it ran (S3 listing). */
  scanEstimate?: ScanEstimate;
  findings?: { total: number; new: number; updated: number; resolved: number; reopened: number };
  fixes?: { suggested: number; verified: number };
  /** Resources in scope with no flow log capturing REJECT traffic. */
  coverageGaps?: CoverageGap[];
  /** Rejected flows the snapshot could not decide, grouped by reason with their records and interfaces. */
  undecided?: UndecidedGroup[];
  /** Signals the input lacks (REJECT-only logs, no tcp-flags, SKIPDATA …) and what each costs. */
  degradedSignals?: DegradedSignal[];
  /**
   * Time spent in each stage. Findings are finished (fixes, busiest flows, counts) as persist
   * draws them, a batch at a time: that time counts as correlate's, persist's is the writing.
   */
  stageDurationsMs?: Partial<Record<'snapshot' | 'query' | 'correlate' | 'persist', number>>;
}

export type AnalysisWarning = FlowSourceWarning;

export interface AnalysisFailure {
  reason: string;
  /** Stable code of the error (e.g. `SNAPSHOT.INVALID`, `ATHENA.FAILED`). */
  code: string;
  stage: string | null;
  /** True when retrying cannot help without changing the target or its data. */
  permanent: boolean;
  at: string;
  /**
   * A scan refused over budget (`BUDGET.EXCEEDED`): the limit it broke and its estimate. An Athena
   * query that failed: Athena's own `AthenaError`, with its category named.
   */
  details?: { limit: 'perAnalysis' | 'monthly'; estimate: ScanEstimate } | { athenaError: AthenaErrorDetails };
}

/** The failure of an earlier attempt, kept when the analysis was retried. */
export interface AnalysisPreviousFailure extends Partial<AnalysisFailure> {
  /** The attempt that ended so (`attempt` as it was before the retry). */
  attempt: number;
  /** How that attempt ended. */
  status: 'failed' | 'cancelled';
}

/**
 * Athena's `AthenaError` of a failed query. `category` is Athena's `ErrorCategory` by name
 * (1 system, 2 user, 3 other); `type` its numeric `ErrorType`, as Athena documents it.
 */
export interface AthenaErrorDetails {
  category: 'system' | 'user' | 'other' | null;
  errorCategory: number | null;
  type: number | null;
  retryable: boolean | null;
  message: string | null;
}
