import type { Classification, Finding, Severity } from '../../engine/findings/finding';

/**
 * The report model: everything a report shows, computed once by `buildReportData` and stored,
 * so every format renders the same numbers and a later report can compare against it.
 */
export const REPORT_SCHEMA_VERSION = 1;

export type ReportFormat = 'json' | 'csv' | 'markdown' | 'html';
export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'suppressed';
/** What happened to a finding during the report's period. */
export type FindingLifecycle = 'new' | 'recurring' | 'resolved' | 'ongoing';

export interface ReportPeriod {
  /** ISO 8601 UTC, inclusive. */
  from: string;
  /** ISO 8601 UTC, exclusive. */
  to: string;
}

export interface ReportTarget {
  id: string;
  name: string;
  accountId: string;
  region: string;
}

export interface CountBreakdown {
  total: number;
  byClassification: Record<Classification, number>;
  bySeverity: Record<Severity, number>;
}

export interface ReportTotals {
  rejectedRecords: number;
  findings: {
    /** Open or acknowledged when the report was built. */
    open: CountBreakdown;
    /** First detected during the period. */
    new: CountBreakdown;
    /** Resolved during the period. */
    resolved: CountBreakdown;
    /** Reopened during the period after an earlier resolution. */
    recurring: CountBreakdown;
  };
}

export interface BlockedService {
  protocol: number;
  port: number | null;
  /** `tcp/443` */
  label: string;
  records: number;
  findings: number;
}

export interface BlockedPeer {
  address: string;
  records: number;
  findings: number;
}

export interface Delta {
  previous: number;
  current: number;
  change: number;
  /** Null when the previous value was zero. */
  changePercent: number | null;
}

export interface ReportTrend {
  previousReportId: string;
  previousPeriod: ReportPeriod;
  rejectedRecords: Delta;
  openFindings: Delta;
  newFindings: Delta;
  resolvedFindings: Delta;
  recurringFindings: Delta;
}

export interface CoverageGap {
  targetId: string;
  resourceType: 'vpc' | 'subnet' | 'network-interface';
  resourceId: string;
  reason: string;
}

export interface SeriesPoint {
  /** Bucket start, ISO 8601 UTC. */
  start: string;
  rejectedRecords: number;
}

export interface RejectedSeries {
  bucketSeconds: number;
  points: SeriesPoint[];
}

export interface TicketRef {
  system: 'jira' | 'servicenow';
  key: string;
  url: string;
}

export interface ReportFindingRow {
  id: string;
  targetId: string;
  fingerprint: string;
  status: FindingStatus;
  lifecycle: FindingLifecycle;
  classification: Classification;
  severity: Severity;
  title: string;
  blockedBy: string;
  direction: string;
  service: string;
  records: number;
  packets: number;
  peers: number;
  firstSeen: string;
  lastSeen: string;
  fixSummary: string;
  fixVerified: boolean | null;
  awsCli: string | null;
  terraform: string | null;
  risks: string[];
  ticket: TicketRef | null;
}

export interface ReportData {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  id: string;
  title: string;
  generatedAt: string;
  period: ReportPeriod;
  targets: ReportTarget[];
  totals: ReportTotals;
  topServices: BlockedService[];
  topPeers: BlockedPeer[];
  trend: ReportTrend | null;
  coverageGaps: CoverageGap[];
  rejectedSeries: RejectedSeries;
  findings: ReportFindingRow[];
}

/** One persisted finding with the lifecycle dates the report needs. */
export interface ReportFindingInput {
  id: string;
  targetId: string;
  finding: Finding;
  status: FindingStatus;
  firstDetectedAt: string;
  resolvedAt?: string | null;
  reopenedAt?: string | null;
  ticket?: TicketRef | null;
}

export interface BuildReportInput {
  id: string;
  title?: string;
  generatedAt: string;
  period: ReportPeriod;
  targets: ReportTarget[];
  findings: ReportFindingInput[];
  /** Rejected record counts at any granularity (e.g. per aggregate); bucketed by the builder. */
  rejectedFlows: Array<{ at: string; records: number }>;
  coverageGaps: CoverageGap[];
  previous: ReportData | null;
  limits?: { topServices?: number; topPeers?: number };
}
