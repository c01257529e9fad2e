import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, allFindings, analyse, api, sampleTargetBody, SAMPLE_WINDOW, waitForAnalysis } from '../support/app/analysis-api';

describe('analyses on the bundled samples', () => {
  let testApp: TestApp;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true' } });
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('analyses a target through the queue and keeps the finding count on a second run', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    expect(target.status, JSON.stringify(target.body)).toBe(201);

    const created = await api(server()).post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW });
    expect(created.status).toBe(202);
    expect(created.headers.location).toBe(`/v1/analyses/${created.body.id}`);
    expect(created.body).toMatchObject({ status: 'queued', targetId: target.body.id });

    const first = await waitForAnalysis(server(), created.body.id);
    expect(first.status, JSON.stringify(first.failure)).toBe('succeeded');
    expect(first.progress).toBe(100);
    expect(first.statistics.records).toBeGreaterThan(0);
    expect(first.statistics.aggregates).toBeGreaterThan(0);
    expect(first.statistics.findings.new).toBe(first.statistics.findings.total);
    expect(first.statistics.findings.total).toBeGreaterThan(0);
    // The shared-services VPC has no log of its own, but its only subnet has one: no gap.
    expect(first.statistics.coverageGaps).toEqual([]);
    // Every rejected record has a verdict or a named reason: row F's ICMP records on the app interfaces.
    expect(first.statistics.undecided).toEqual([expect.objectContaining({ reason: 'icmp-type-rule', records: 96, interfaceCount: 4 })]);
    expect(first.statistics.degradedSignals.map((s: { kind: string }) => s.kind)).toContain('reject-only-logs');

    const findings = await allFindings(server(), target.body.id);
    expect(findings).toHaveLength(first.statistics.findings.total);

    const second = await analyse(server(), target.body.id);
    expect(second.statistics.findings).toMatchObject({ total: findings.length, new: 0, updated: findings.length, resolved: 0 });
    const again = await allFindings(server(), target.body.id);
    expect(again).toHaveLength(findings.length);
    // Counts merge by hour: the same window analysed twice does not double them.
    expect(again.map((f) => [f.fingerprint, f.records]).sort()).toEqual(findings.map((f) => [f.fingerprint, f.records]).sort());
  });
});
