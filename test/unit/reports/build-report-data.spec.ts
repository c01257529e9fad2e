import { describe, expect, it } from 'vitest';
import { buildReportData } from '../../../src/reports/render/build-report-data';
import { sampleReportInput } from '../../support/factories/sample-report-input';

describe('buildReportData', () => {
  const report = buildReportData(sampleReportInput());

  it('counts findings by what happened during the period', () => {
    const f = report.totals.findings;
    expect(f.open.total).toBe(2);
    expect(f.open.bySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1 });
    expect(f.open.byClassification).toEqual({ 'likely-misconfiguration': 1, uncertain: 0, 'likely-noise': 1 });
    expect(f.new.total).toBe(1);
    expect(f.resolved.total).toBe(1);
    expect(f.resolved.bySeverity.medium).toBe(1);
    expect(f.recurring.total).toBe(1);
    expect(Object.fromEntries(report.findings.map((r) => [r.id, r.lifecycle]))).toEqual({
      'f-1': 'new',
      'f-2': 'resolved',
      'f-3': 'recurring',
      'f-4': 'ongoing',
    });
  });

  it('buckets rejected flows per hour over the whole period, filling gaps with zero', () => {
    const input = sampleReportInput();
    expect(report.rejectedSeries.bucketSeconds).toBe(3600);
    expect(report.rejectedSeries.points).toHaveLength(24);
    expect(report.rejectedSeries.points[0]!.start).toBe('2026-11-01T00:00:00Z');
    const total = input.rejectedFlows.reduce((s, f) => s + f.records, 0);
    expect(report.totals.rejectedRecords).toBe(total);
    const sparse = buildReportData(
      sampleReportInput({
        rejectedFlows: [
          { at: '2026-11-01T05:59:59Z', records: 7 },
          { at: '2026-11-02T00:00:00Z', records: 99 },
        ],
      }),
    );
    expect(sparse.rejectedSeries.points.map((p) => p.rejectedRecords)).toEqual([0, 0, 0, 0, 0, 7, ...new Array(18).fill(0)]);
    const month = buildReportData(sampleReportInput({ period: { from: '2026-09-01T00:00:00Z', to: '2026-11-01T00:00:00Z' } }));
    expect(month.rejectedSeries.bucketSeconds).toBe(86_400);
    expect(month.rejectedSeries.points).toHaveLength(61);
  });

  it('ranks blocked services and peers of the findings that may need a change, leaving out noise and findings resolved before the period', () => {
    expect(report.topServices.map((s) => [s.label, s.records, s.findings])).toEqual([
      // equal records: lower port first
      ['tcp/443', 15, 1],
      ['tcp/8080', 15, 1],
    ]);
    expect(report.topPeers.map((p) => p.address)).not.toContain('198.51.100.7');
    expect(report.topPeers.find((p) => p.address === '10.1.0.12')).toEqual({ address: '10.1.0.12', records: 22, findings: 2 });
    expect(buildReportData(sampleReportInput({ limits: { topPeers: 1, topServices: 2 } })).topPeers).toHaveLength(1);
  });

  it('sums scanner noise up in its own section', () => {
    expect(report.scannerActivity).toMatchObject({
      campaigns: 1,
      records: 900,
      sources: 1,
      topSources: [{ address: '198.51.100.7', records: 900 }],
      topPorts: [{ label: 'tcp/22', records: 900 }],
      trend: null,
    });
    expect(report.scannerActivity!.rows).toEqual([
      expect.objectContaining({ id: 'f-3', targetName: 'production', label: 'tcp/22', records: 900, lifecycle: 'recurring' }),
    ]);
    const next = buildReportData(sampleReportInput({ id: 'rep-2', previous: report }));
    expect(next.scannerActivity!.trend).toMatchObject({ previous: 900, current: 900, change: 0 });
  });

  it('orders findings: noise last; open first, then by severity', () => {
    expect(report.findings.map((r) => r.id)).toEqual(['f-1', 'f-2', 'f-4', 'f-3']);
    expect(report.findings.map((r) => r.targetName)).toEqual(['production', 'production', 'staging', 'production']);
    const row = report.findings[0]!;
    expect(row).toMatchObject({
      service: 'tcp/8080',
      blockedBy: 'security group sg-0web000000000000a (ingress)',
      fixVerified: true,
      ticket: { key: 'NET-42' },
    });
    expect(row.fixSummary).toBe('Allow tcp 8080 from sg-0wrk000000000000b inbound on sg-0web000000000000a');
    expect(report.findings[3]!.fixSummary).toBe('No change suggested');
  });

  it('computes the trend against the previous report', () => {
    expect(report.trend).toBeNull();
    const next = buildReportData(
      sampleReportInput({
        id: 'rep-2',
        period: { from: '2026-11-02T00:00:00Z', to: '2026-11-03T00:00:00Z' },
        previous: report,
        rejectedFlows: [{ at: '2026-11-02T01:00:00Z', records: 10 }],
      }),
    );
    expect(next.trend).toMatchObject({
      previousReportId: 'rep-2026-11-01',
      previousPeriod: report.period,
      openFindings: { previous: 2, current: 2, change: 0, changePercent: 0 },
      newFindings: { previous: 1, current: 0, change: -1, changePercent: -100 },
    });
    expect(next.trend!.rejectedRecords.current).toBe(10);
    expect(next.trend!.rejectedRecords.change).toBe(10 - report.totals.rejectedRecords);
  });

  it('is deterministic and rejects an empty period', () => {
    expect(buildReportData(sampleReportInput())).toEqual(report);
    expect(() => buildReportData(sampleReportInput({ period: { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' } }))).toThrow(
      RangeError,
    );
  });
});
