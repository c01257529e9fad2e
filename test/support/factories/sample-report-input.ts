import type { BuildReportInput, ReportFindingInput } from '../../../src/reports/render/report-data';
import { naclFinding, sampleFinding } from './sample-finding';

const FROM = '2026-11-01T00:00:00Z';
const TO = '2026-11-02T00:00:00Z';

/** A day of rejected traffic with a business-hours bump, plus findings in every lifecycle state. */
export function sampleReportInput(overrides: Partial<BuildReportInput> = {}): BuildReportInput {
  const findings: ReportFindingInput[] = [
    {
      id: 'f-1',
      targetId: 'tgt-prod',
      finding: sampleFinding(),
      status: 'open',
      firstDetectedAt: '2026-11-01T03:10:00Z',
      ticket: { system: 'jira', key: 'NET-42', url: 'https://example.atlassian.net/browse/NET-42' },
    },
    {
      id: 'f-2',
      targetId: 'tgt-prod',
      finding: naclFinding(),
      status: 'resolved',
      firstDetectedAt: '2026-10-20T10:00:00Z',
      resolvedAt: '2026-11-01T15:00:00Z',
    },
    {
      id: 'f-3',
      targetId: 'tgt-prod',
      finding: sampleFinding({
        fingerprint: 'noise00000000001',
        classification: 'likely-noise',
        severity: 'low',
        suggestedFix: null,
        traffic: { ...sampleFinding().traffic, port: 22, records: 900, peers: [{ address: '198.51.100.7', records: 900 }] },
      }),
      status: 'acknowledged',
      firstDetectedAt: '2026-10-15T00:00:00Z',
      resolvedAt: '2026-10-20T00:00:00Z',
      reopenedAt: '2026-11-01T08:00:00Z',
    },
    {
      id: 'f-4',
      targetId: 'tgt-stage',
      finding: sampleFinding({ fingerprint: 'old0000000000001', severity: 'medium' }),
      status: 'resolved',
      firstDetectedAt: '2026-10-01T00:00:00Z',
      resolvedAt: '2026-10-10T00:00:00Z',
    },
  ];
  const rejectedFlows = Array.from({ length: 24 * 4 }, (_, i) => {
    const hour = Math.floor(i / 4);
    const busy = hour >= 8 && hour <= 18 ? 120 : 15;
    return { at: new Date(Date.parse(FROM) + i * 15 * 60_000).toISOString(), records: busy + ((i * 37) % 23) };
  });
  return {
    id: 'rep-2026-11-01',
    title: 'Nightly sgdoctor report',
    generatedAt: '2026-11-02T06:00:00Z',
    period: { from: FROM, to: TO },
    targets: [
      { id: 'tgt-prod', name: 'production', accountId: '123456789012', region: 'eu-west-1' },
      { id: 'tgt-stage', name: 'staging', accountId: '210987654321', region: 'eu-west-1' },
    ],
    findings,
    rejectedFlows,
    coverageGaps: [
      { targetId: 'tgt-prod', resourceType: 'subnet', resourceId: 'subnet-0b', reason: 'no flow log captures REJECT traffic' },
      { targetId: 'tgt-prod', resourceType: 'network-interface', resourceId: 'eni-0a', reason: 'flow log captures ACCEPT only' },
    ],
    previous: null,
    ...overrides,
  };
}
