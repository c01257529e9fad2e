import type { CampaignScope, Classification, Finding, FindingKind, Severity } from '../../engine/findings/finding';

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

/** Services and peers of the findings that may need a change (noise is in `ScannerActivity`). */
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

/** Rejected records one analysis of a target could not decide, under one reason. */
export interface UndecidedCoverage {
  targetId: string;
  reason: string;
  meaning: string;
  records: number;
  interfaces: string[];
  interfaceCount: number;
}

/** A signal the input of a target's analysis lacked, and what it cost. */
export interface DegradedCoverage {
  targetId: string;
  kind: string;
  detail: string;
  cost: string;
}

/**
 * A target of the run whose findings the run's analysis did not bring up to date: its analysis
 * failed or was cancelled, had not finished when the report was built, or could not be started.
 * Its findings in the report are those of earlier analyses.
 */
export interface NotAnalysedTarget {
  targetId: string;
  /** Null when no analysis could be started. */
  analysisId: string | null;
  status: 'failed' | 'cancelled' | 'unfinished' | 'not-started';
  reason: string;
}

/** A member account of an organisation target that the run's analysis did not read, with why. */
export interface AccountNotRead {
  targetId: string;
  accountId: string;
  region: string;
  /** failed: its role could not be assumed or EC2 refused; skipped: the organisation lists it as not active. */
  status: 'failed' | 'skipped';
  reason: string;
}

/** What a target's flow source could not read in the run's analysis: counted, the first warnings named. */
export interface InputNotRead {
  targetId: string;
  analysisId: string;
  malformedLines: number;
  incompleteRecords: number;
  filesSkipped: number;
  /** The first warnings of the analysis (file, or table or log group, and why). */
  warnings: Array<{ file: string; message: string }>;
  /** Warnings the analysis holds beyond these. */
  moreWarnings: number;
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
  /** The target's name (reports written before it existed lack it). */
  targetName?: string;
  /** `rule` or `campaign` (reports written before campaigns lack it: rule). */
  kind?: FindingKind;
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

/** One scanner campaign as a report lists it. */
export interface ScannerCampaignRow {
  id: string;
  targetName: string;
  scope: CampaignScope | null;
  /** `203.0.113.45`, `203.0.113.0/24`, `botnet on tcp/23` (a noise finding of old: its service). */
  label: string;
  sources: number;
  hosts: number;
  ports: number;
  /** The most probed services, busiest first. */
  topPorts: string[];
  records: number;
  firstSeen: string;
  lastSeen: string;
  lifecycle: FindingLifecycle;
}

/** Scanner noise summed up, apart from the findings that need a change. */
export interface ScannerActivity {
  /** Likely-noise findings (campaigns) active in the period. */
  campaigns: number;
  records: number;
  sources: number;
  topSources: Array<{ address: string; records: number }>;
  topPorts: Array<{ label: string; records: number }>;
  /** The busiest campaigns (at most 20). */
  rows: ScannerCampaignRow[];
  /** Records against the previous report's scanner activity; null without one. */
  trend: Delta | null;
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
  /** Absent in reports written before they were kept. */
  undecided?: UndecidedCoverage[];
  degradedSignals?: DegradedCoverage[];
  /** Absent in reports written before it was kept. */
  notAnalysed?: NotAnalysedTarget[];
  accountsNotRead?: AccountNotRead[];
  inputNotRead?: InputNotRead[];
  rejectedSeries: RejectedSeries;
  /** Every finding; renderers show the ones that may need a change in full and sum noise up in `scannerActivity`. */
  findings: ReportFindingRow[];
  /** Absent in reports written before campaigns. */
  scannerActivity?: ScannerActivity;
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
  undecided?: UndecidedCoverage[];
  degradedSignals?: DegradedCoverage[];
  notAnalysed?: NotAnalysedTarget[];
  accountsNotRead?: AccountNotRead[];
  inputNotRead?: InputNotRead[];
  previous: ReportData | null;
  limits?: { topServices?: number; topPeers?: number };
}
