import type { Classification } from '../../engine/findings/finding';
import { describeTraffic } from '../../engine/network/protocol';
import { findingTitle, fixSummary, describeControl, SEVERITY_ORDER, serviceLabel } from '../../engine/findings/finding-text';
import {
  BlockedPeer,
  BlockedService,
  BuildReportInput,
  CountBreakdown,
  Delta,
  FindingLifecycle,
  RejectedSeries,
  REPORT_SCHEMA_VERSION,
  ReportData,
  ReportFindingInput,
  ReportFindingRow,
  ReportPeriod,
  ReportTrend,
  ScannerActivity,
  ScannerCampaignRow,
} from './report-data';

const HOUR = 3600;
const DAY = 24 * HOUR;
/** Beyond a month of hourly bars the chart becomes unreadable: switch to daily buckets. */
const MAX_HOURLY_BUCKETS = 31 * 24;
const CLASSIFICATIONS: readonly Classification[] = ['likely-misconfiguration', 'uncertain', 'likely-noise'];

/** Pure: the same input always gives the same report. */
export function buildReportData(input: BuildReportInput): ReportData {
  const fromMs = parseTime(input.period.from, 'period.from');
  const toMs = parseTime(input.period.to, 'period.to');
  if (toMs <= fromMs) throw new RangeError('Report period must end after it starts');
  const inPeriod = (iso: string | null | undefined): boolean => {
    if (!iso) return false;
    const t = Date.parse(iso);
    return t >= fromMs && t < toMs;
  };

  const classified = input.findings.map((f) => ({ input: f, lifecycle: lifecycleOf(f, inPeriod) }));
  const isNew = (f: ReportFindingInput): boolean => inPeriod(f.firstDetectedAt);
  const isResolved = (f: ReportFindingInput): boolean => f.status === 'resolved' && inPeriod(f.resolvedAt);
  const isRecurring = (f: ReportFindingInput): boolean => inPeriod(f.reopenedAt) && !isNew(f);
  const isOpen = (f: ReportFindingInput): boolean => f.status === 'open' || f.status === 'acknowledged';

  const rejectedSeries = bucketSeries(input.rejectedFlows, fromMs, toMs);
  const totals = {
    rejectedRecords: rejectedSeries.points.reduce((sum, p) => sum + p.rejectedRecords, 0),
    findings: {
      open: breakdown(input.findings.filter(isOpen)),
      new: breakdown(input.findings.filter(isNew)),
      resolved: breakdown(input.findings.filter(isResolved)),
      recurring: breakdown(input.findings.filter(isRecurring)),
    },
  };
  // Services and peers describe what is being blocked: leave out what was fixed before the period;
  // scanner noise has its own section.
  const active = input.findings.filter((f) => f.status !== 'resolved' || inPeriod(f.resolvedAt));
  const actionable = active.filter((f) => f.finding.classification !== 'likely-noise');
  const targetNames = new Map(input.targets.map((t) => [t.id, t.name]));
  const lifecycles = new Map(classified.map(({ input: f, lifecycle }) => [f.id, lifecycle]));

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: input.id,
    title: input.title ?? 'sgdoctor report',
    generatedAt: input.generatedAt,
    period: input.period,
    targets: input.targets,
    totals,
    topServices: topServices(actionable, input.limits?.topServices ?? 10),
    topPeers: topPeerList(actionable, input.limits?.topPeers ?? 10),
    trend: input.previous ? trend(input.previous, totals, input.previous.period) : null,
    coverageGaps: [...input.coverageGaps].sort(
      (a, b) =>
        a.targetId.localeCompare(b.targetId) || a.resourceType.localeCompare(b.resourceType) || a.resourceId.localeCompare(b.resourceId),
    ),
    undecided: [...(input.undecided ?? [])].sort((a, b) => a.targetId.localeCompare(b.targetId) || b.records - a.records),
    degradedSignals: [...(input.degradedSignals ?? [])].sort(
      (a, b) => a.targetId.localeCompare(b.targetId) || a.kind.localeCompare(b.kind),
    ),
    notAnalysed: [...(input.notAnalysed ?? [])].sort((a, b) => a.targetId.localeCompare(b.targetId)),
    inputNotRead: [...(input.inputNotRead ?? [])].sort((a, b) => a.targetId.localeCompare(b.targetId)),
    accountsNotRead: [...(input.accountsNotRead ?? [])].sort(
      (a, b) => a.targetId.localeCompare(b.targetId) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region),
    ),
    rejectedSeries,
    findings: classified.map(({ input: f, lifecycle }) => findingRow(f, lifecycle, targetNames)).sort(compareRows),
    scannerActivity: scannerActivity(
      active.filter((f) => f.finding.classification === 'likely-noise'),
      (f) => lifecycles.get(f.id) ?? 'ongoing',
      targetNames,
      input.previous?.scannerActivity?.records ?? null,
    ),
  };
}

const MAX_CAMPAIGN_ROWS = 20;

function scannerActivity(
  noise: ReportFindingInput[],
  lifecycleOf: (f: ReportFindingInput) => FindingLifecycle,
  targetNames: Map<string, string>,
  previousRecords: number | null,
): ScannerActivity {
  const bySource = new Map<string, number>();
  const byPort = new Map<string, number>();
  let records = 0;
  let sources = 0;
  for (const { finding } of noise) {
    records += finding.traffic.records;
    sources += finding.campaign?.sourceCount ?? finding.traffic.peerCount ?? finding.traffic.peers.length;
    for (const peer of finding.traffic.peers) bySource.set(peer.address, (bySource.get(peer.address) ?? 0) + peer.records);
    const ports = finding.campaign?.ports ?? [
      { protocol: finding.traffic.protocol, port: finding.traffic.port, records: finding.traffic.records },
    ];
    for (const p of ports) byPort.set(serviceLabel(p.protocol, p.port), (byPort.get(serviceLabel(p.protocol, p.port)) ?? 0) + p.records);
  }
  const top = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
  const rows = [...noise]
    .sort((a, b) => b.finding.traffic.records - a.finding.traffic.records || a.finding.fingerprint.localeCompare(b.finding.fingerprint))
    .slice(0, MAX_CAMPAIGN_ROWS)
    .map((f): ScannerCampaignRow => {
      const { finding } = f;
      const c = finding.campaign;
      return {
        id: f.id,
        targetName: targetNames.get(f.targetId) ?? f.targetId,
        scope: c?.scope ?? null,
        label: c ? (c.scope === 'service' ? `botnet on ${c.key}` : c.key) : serviceLabel(finding.traffic.protocol, finding.traffic.port),
        sources: c?.sourceCount ?? finding.traffic.peerCount ?? finding.traffic.peers.length,
        hosts: c?.hostCount ?? finding.traffic.interfaces.length,
        ports: c?.portCount ?? 1,
        topPorts: (c?.ports ?? [finding.traffic]).slice(0, 3).map((p) => describeTraffic(p.protocol, p.port)),
        records: finding.traffic.records,
        firstSeen: finding.traffic.firstSeen,
        lastSeen: finding.traffic.lastSeen,
        lifecycle: lifecycleOf(f),
      };
    });
  return {
    campaigns: noise.length,
    records,
    sources,
    topSources: top(bySource).map(([address, n]) => ({ address, records: n })),
    topPorts: top(byPort).map(([label, n]) => ({ label, records: n })),
    rows,
    trend: previousRecords === null ? null : delta(previousRecords, records),
  };
}

function lifecycleOf(f: ReportFindingInput, inPeriod: (iso: string | null | undefined) => boolean): FindingLifecycle {
  if (f.status === 'resolved' && inPeriod(f.resolvedAt)) return 'resolved';
  if (inPeriod(f.firstDetectedAt)) return 'new';
  if (inPeriod(f.reopenedAt)) return 'recurring';
  return 'ongoing';
}

function breakdown(findings: ReportFindingInput[]): CountBreakdown {
  const result: CountBreakdown = {
    total: findings.length,
    byClassification: { 'likely-misconfiguration': 0, uncertain: 0, 'likely-noise': 0 },
    bySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
  };
  for (const { finding } of findings) {
    result.byClassification[finding.classification] += 1;
    result.bySeverity[finding.severity] += 1;
  }
  return result;
}

function bucketSeries(flows: BuildReportInput['rejectedFlows'], fromMs: number, toMs: number): RejectedSeries {
  const span = (toMs - fromMs) / 1000;
  const bucketSeconds = span / HOUR > MAX_HOURLY_BUCKETS ? DAY : HOUR;
  const bucketMs = bucketSeconds * 1000;
  const first = Math.floor(fromMs / bucketMs) * bucketMs;
  const count = Math.ceil((toMs - first) / bucketMs);
  const values = new Array<number>(count).fill(0);
  for (const flow of flows) {
    const t = Date.parse(flow.at);
    if (Number.isNaN(t) || t < fromMs || t >= toMs) continue;
    values[Math.floor((t - first) / bucketMs)]! += flow.records;
  }
  return {
    bucketSeconds,
    points: values.map((rejectedRecords, i) => ({ start: isoSeconds(first + i * bucketMs), rejectedRecords })),
  };
}

function topServices(findings: ReportFindingInput[], limit: number): BlockedService[] {
  const byKey = new Map<string, BlockedService>();
  for (const { finding } of findings) {
    const { protocol, port } = finding.traffic;
    const key = `${protocol}/${port ?? ''}`;
    const entry = byKey.get(key) ?? { protocol, port, label: serviceLabel(protocol, port), records: 0, findings: 0 };
    entry.records += finding.traffic.records;
    entry.findings += 1;
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .sort((a, b) => b.records - a.records || a.protocol - b.protocol || (a.port ?? -1) - (b.port ?? -1))
    .slice(0, limit);
}

function topPeerList(findings: ReportFindingInput[], limit: number): BlockedPeer[] {
  const byAddress = new Map<string, BlockedPeer>();
  for (const { finding } of findings) {
    for (const peer of finding.traffic.peers) {
      const entry = byAddress.get(peer.address) ?? { address: peer.address, records: 0, findings: 0 };
      entry.records += peer.records;
      entry.findings += 1;
      byAddress.set(peer.address, entry);
    }
  }
  return [...byAddress.values()].sort((a, b) => b.records - a.records || a.address.localeCompare(b.address)).slice(0, limit);
}

function trend(previous: ReportData, totals: ReportData['totals'], previousPeriod: ReportPeriod): ReportTrend {
  const p = previous.totals;
  return {
    previousReportId: previous.id,
    previousPeriod,
    rejectedRecords: delta(p.rejectedRecords, totals.rejectedRecords),
    openFindings: delta(p.findings.open.total, totals.findings.open.total),
    newFindings: delta(p.findings.new.total, totals.findings.new.total),
    resolvedFindings: delta(p.findings.resolved.total, totals.findings.resolved.total),
    recurringFindings: delta(p.findings.recurring.total, totals.findings.recurring.total),
  };
}

function delta(previous: number, current: number): Delta {
  const change = current - previous;
  return { previous, current, change, changePercent: previous === 0 ? null : Math.round((change / previous) * 1000) / 10 };
}

function findingRow(f: ReportFindingInput, lifecycle: FindingLifecycle, targetNames: Map<string, string>): ReportFindingRow {
  const { finding } = f;
  const fix = finding.suggestedFix;
  const campaign = finding.campaign;
  return {
    id: f.id,
    targetId: f.targetId,
    targetName: targetNames.get(f.targetId) ?? f.targetId,
    kind: finding.kind ?? 'rule',
    fingerprint: finding.fingerprint,
    status: f.status,
    lifecycle,
    classification: finding.classification,
    severity: finding.severity,
    title: findingTitle(finding),
    blockedBy: describeControl(finding.blockedBy),
    direction: finding.traffic.direction,
    service:
      campaign && campaign.portCount > 1
        ? `${serviceLabel(finding.traffic.protocol, null)}, ${campaign.portCount} ports`
        : serviceLabel(finding.traffic.protocol, finding.traffic.port),
    records: finding.traffic.records,
    packets: finding.traffic.packets,
    peers: finding.traffic.peerCount ?? finding.traffic.peers.length,
    firstSeen: finding.traffic.firstSeen,
    lastSeen: finding.traffic.lastSeen,
    fixSummary: fixSummary(fix),
    fixVerified: fix ? fix.verified : null,
    awsCli: fix ? fix.awsCli : null,
    terraform: fix ? fix.terraform : null,
    risks: fix ? fix.risks.map((r) => r.message) : [],
    ticket: f.ticket ?? null,
  };
}

/** Noise last; open before closed, then most severe, then most traffic, then fingerprint for stability. */
function compareRows(a: ReportFindingRow, b: ReportFindingRow): number {
  const closed = (r: ReportFindingRow): number => (r.status === 'open' || r.status === 'acknowledged' ? 0 : 1);
  const noise = (r: ReportFindingRow): number => (r.classification === 'likely-noise' ? 1 : 0);
  return (
    noise(a) - noise(b) ||
    closed(a) - closed(b) ||
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    CLASSIFICATIONS.indexOf(a.classification) - CLASSIFICATIONS.indexOf(b.classification) ||
    b.records - a.records ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

function parseTime(iso: string, name: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`${name} is not an ISO 8601 time`);
  return t;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
