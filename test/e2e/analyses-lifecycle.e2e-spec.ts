import { readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChanges } from '../../src/engine/simulate/apply-changes';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, allFindings, analyse, api, sampleTargetBody, SAMPLE_WINDOW } from '../support/app/analysis-api';
import { tempDataRoot } from '../support/app/temp-data-root';
import { ENI, PEERS, SG } from '../../samples/scenario';

/** 2026-11-25, the day after the samples. */
const NEXT_DAY = { from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' };
const NEXT_DAY_START = Date.UTC(2026, 10, 25) / 1000;
const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** One default-format (v2) REJECT line at `eni`, `at` seconds into the next day. */
function reject(eni: string, src: string, dst: string, srcport: number, dstport: number, packets: number, at: number): string {
  const start = NEXT_DAY_START + at;
  return `2 111122223333 ${eni} ${src} ${dst} ${srcport} ${dstport} 6 ${packets} ${packets * 60} ${start} ${start + 60} REJECT OK`;
}

describe('finding lifecycle across analyses', () => {
  let testApp: TestApp;
  let data: ReturnType<typeof tempDataRoot>;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    data = tempDataRoot();
    testApp = await createTestApp({
      env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true', SGDOCTOR_DATA_ROOT: data.root },
    });
  });

  afterAll(async () => {
    await testApp?.close();
    data?.remove();
  });

  it('resolves a finding when the snapshot allows its flows, and reopens it when they are rejected again', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    const targetId = target.body.id;
    await analyse(server(), targetId);
    const before = await allFindings(server(), targetId);
    const chosen = before.find(
      (f) => f.classification === 'likely-misconfiguration' && f.port === 8443 && f.blockedBy.control === 'security-group',
    )!;
    const detail = await api(server()).get(`/v1/findings/${chosen.id}`);

    // The fix applied to the configuration: the next analysis no longer finds the finding and its flows are allowed.
    const original = JSON.parse(readFileSync(join(data.root, 'snapshot.json'), 'utf8'));
    writeFileSync(join(data.root, 'fixed.json'), JSON.stringify(applyChanges(original, detail.body.fix.changes)));
    const patched = await api(server()).patch(`/v1/targets/${targetId}`, {
      configSource: { type: 'snapshot-file', paths: ['fixed.json'] },
    });
    expect(patched.status).toBe(200);
    const fixedRun = await analyse(server(), targetId);
    expect(fixedRun.statistics.findings.resolved).toBe(1);
    const resolved = await api(server()).get(`/v1/findings/${chosen.id}`);
    expect(resolved.body.status).toBe('resolved');
    expect(resolved.body.resolvedAt).not.toBeNull();
    const others = await allFindings(server(), targetId, '&status=open');
    expect(others).toHaveLength(before.length - 1);

    // The old configuration again: the same kind of rejects recur and the finding reopens.
    await api(server()).patch(`/v1/targets/${targetId}`, { configSource: { type: 'snapshot-file', paths: ['snapshot.json'] } });
    const regressed = await analyse(server(), targetId);
    expect(regressed.statistics.findings).toMatchObject({ reopened: 1, new: 0, total: before.length });
    const reopened = await api(server()).get(`/v1/findings/${chosen.id}`);
    expect(reopened.body.status).toBe('open');
    const history = await api(server()).get(`/v1/findings/${chosen.id}/events`);
    expect(history.body.map((e: any) => [e.from, e.to, e.actor.type])).toEqual([
      [null, 'open', 'system'],
      ['open', 'resolved', 'system'],
      ['resolved', 'open', 'system'],
    ]);
    expect(history.body[1].actor.analysisId).toBe(fixedRun.id);
    expect(await allFindings(server(), targetId)).toHaveLength(before.length);
  });

  it('keeps a suppressed finding quiet until its suppression expires', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'suppression' }));
    const targetId = target.body.id;
    await analyse(server(), targetId);
    const [first, second] = (await allFindings(server(), targetId, '&classification=likely-misconfiguration')).slice(0, 2);
    await api(server()).patch(`/v1/findings/${first.id}`, { status: 'suppressed', reason: 'known' });
    const soon = new Date(Date.now() + 1500).toISOString();
    await api(server()).patch(`/v1/findings/${second.id}`, { status: 'suppressed', reason: 'until the change window', expiresAt: soon });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const run = await analyse(server(), targetId);
    expect(run.statistics.findings.reopened).toBe(1);
    expect((await api(server()).get(`/v1/findings/${first.id}`)).body.status).toBe('suppressed');
    expect((await api(server()).get(`/v1/findings/${second.id}`)).body.status).toBe('open');
  });

  it('refuses a second analysis of a target while one is active, and cancels and retries', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'one-at-a-time' }));
    const targetId = target.body.id;
    const first = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(first.status).toBe(202);
    const second = await api(server()).post('/v1/analyses', { targetId, ...SAMPLE_WINDOW });
    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toMatch(/problem\+json/);
    expect(second.body).toMatchObject({ code: 'ANALYSIS.ALREADY_RUNNING', runningAnalysisId: first.body.id });

    const cancelled = await api(server()).post(`/v1/analyses/${first.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api(server()).post(`/v1/analyses/${first.body.id}/cancel`)).status).toBe(409);

    const retried = await api(server()).post(`/v1/analyses/${first.body.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'queued', attempt: 1, failure: null });
    expect(retried.body.previousFailures).toEqual([
      expect.objectContaining({ attempt: 0, status: 'cancelled', code: 'ANALYSIS.CANCELLED' }),
    ]);
    const { waitForAnalysis } = await import('../support/app/analysis-api');
    const done = await waitForAnalysis(server(), first.body.id);
    expect(done.status).toBe('succeeded');
    expect((await api(server()).post(`/v1/analyses/${first.body.id}/retry`)).status).toBe(409);

    const listed = await api(server()).get(`/v1/analyses?targetId=${targetId}&limit=1`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.nextCursor).toBeNull();
    const bad = await api(server()).post('/v1/analyses', { targetId, from: SAMPLE_WINDOW.to, to: SAMPLE_WINDOW.from });
    expect(bad.status).toBe(400);
    // A time without its offset would mean another window on a server in another time zone.
    for (const [from, to] of [
      ['2026-11-24T00:00:00', '2026-11-25T00:00:00Z'],
      ['2026-11-24', '2026-11-25'],
      ['2026-11-24T00:00:00Z', '2026-11-25T00:00'],
    ]) {
      const local = await api(server()).post('/v1/analyses', { targetId, from, to });
      expect(local.status, `${from} .. ${to}`).toBe(400);
      expect(local.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(local.body.errors)).toMatch(/RFC 3339 date-time with a time zone offset/);
    }
    const offset = await api(server()).post('/v1/analyses', {
      targetId,
      from: '2026-11-24T09:00:00+09:00',
      to: '2026-11-25T00:00:00.000Z',
    });
    expect(offset.status).toBe(202);
    expect(offset.body.window).toEqual({ from: '2026-11-24T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' });
  });

  it('fails an analysis whose snapshot is invalid, keeps the reason, and can retry it', async () => {
    writeFileSync(join(data.root, 'broken.json'), JSON.stringify({ SecurityGroups: [{ GroupId: 42 }] }));
    const target = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: 'broken', configSource: { type: 'snapshot-file', paths: ['broken.json'] } }),
    );
    const created = await api(server()).post('/v1/analyses', { targetId: target.body.id, ...SAMPLE_WINDOW });
    const { waitForAnalysis } = await import('../support/app/analysis-api');
    const failed = await waitForAnalysis(server(), created.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ code: 'SNAPSHOT.INVALID', stage: 'snapshot', permanent: true });
    expect(failed.failure.reason).toContain('SecurityGroups[0]');

    writeFileSync(join(data.root, 'broken.json'), readFileSync(join(data.root, 'snapshot.json')));
    const retried = await api(server()).post(`/v1/analyses/${created.body.id}/retry`);
    expect(retried.body).toMatchObject({
      attempt: 1,
      failure: null,
      previousFailures: [{ ...failed.failure, attempt: 0, status: 'failed' }],
    });
    const succeeded = await waitForAnalysis(server(), created.body.id);
    expect(succeeded.status).toBe('succeeded');
    // The earlier attempt's failure stays with the analysis, as it was, after the retry succeeded.
    expect(succeeded.previousFailures).toEqual([{ ...failed.failure, attempt: 0, status: 'failed' }]);
    expect((await api(server()).get(`/v1/analyses/${created.body.id}`)).body.previousFailures).toEqual(succeeded.previousFailures);
  });

  it('a scanner back the next day updates its campaign; a misconfiguration on a port it also probed stays a rule finding of its own', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'campaigns' }));
    const targetId = target.body.id;
    await analyse(server(), targetId);
    const dayOne = await allFindings(server(), targetId);
    const scan = dayOne.find((f) => f.kind === 'campaign' && f.campaign.key === PEERS.albScanner)!;
    expect(scan).toMatchObject({
      classification: 'likely-noise',
      fixSummary: null,
      records: 398,
      campaign: { scope: 'source', portCount: 398 },
    });
    expect(dayOne.filter((f) => f.kind === 'campaign')).toHaveLength(5);
    expect(dayOne.filter((f) => f.kind === 'rule')).toHaveLength(6);

    // The next day: the ALB scanner on 20 other ports; app-1 refused by the bastion's group on
    // tcp/9100 all day (a new misconfiguration); the bastion scanner probing 15 ports, 9100 among them.
    const lines = [V2_HEADER];
    for (let i = 0; i < 20; i++) lines.push(reject(ENI.albA.id, PEERS.albScanner, ENI.albA.ip, 40000 + i, 20000 + i, 1, 7200 + i));
    for (let i = 0; i < 12; i++) lines.push(reject(ENI.bastion.id, ENI.app1.ip, ENI.bastion.ip, 41000 + i, 9100, 3, 3600 * i + 30));
    for (let i = 0; i < 15; i++)
      lines.push(reject(ENI.bastion.id, PEERS.bastionScanner, ENI.bastion.ip, 42000 + i, i === 7 ? 9100 : 9000 + i, 1, 36000 + i));
    writeFileSync(join(data.root, 'flows', 'next-day.log'), `${lines.join('\n')}\n`);
    const nextRun = await analyse(server(), targetId, NEXT_DAY);
    const dayTwo = await allFindings(server(), targetId);

    const again = dayTwo.find((f) => f.id === scan.id)!;
    expect(again).toMatchObject({ fingerprint: scan.fingerprint, status: 'open', records: 398 + 20, firstSeen: scan.firstSeen });
    expect(again.lastSeen >= '2026-11-25').toBe(true);
    expect(dayTwo.filter((f) => f.campaign?.key === PEERS.albScanner)).toHaveLength(1);
    const history = await api(server()).get(`/v1/findings/${scan.id}/events`);
    expect(history.body.map((e: any) => e.to)).toEqual(['open']);

    const refused = dayTwo.filter((f) => f.kind === 'rule' && f.port === 9100);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ classification: 'likely-misconfiguration', records: 12, peerCount: 1 });
    const detail = await api(server()).get(`/v1/findings/${refused[0].id}`);
    expect(detail.body.evidence.topPeers.map((p: any) => p.address)).toEqual([ENI.app1.ip]);
    expect(detail.body.fix.verified).toBe(true);
    expect(detail.body.fix.changes[0].params).toMatchObject({ GroupId: SG.bastion });
    expect(JSON.stringify(detail.body.fix.changes)).not.toContain(PEERS.bastionScanner);
    const bastionScan = dayTwo.find((f) => f.campaign?.key === PEERS.bastionScanner)!;
    const bastionDetail = await api(server()).get(`/v1/findings/${bastionScan.id}`);
    expect(bastionDetail.body.evidence.campaign.ports.map((p: any) => p.port)).toContain(9100);
    expect(nextRun.statistics.findings).toMatchObject({ new: 1 });

    // The default order leads with what needs a change: every rule finding before any campaign.
    const kinds = dayTwo.map((f) => f.kind);
    expect(kinds.lastIndexOf('rule')).toBeLessThan(kinds.indexOf('campaign'));
    expect((await allFindings(server(), targetId, '&kind=campaign')).every((f) => f.kind === 'campaign')).toBe(true);
  });

  it('resolves a per-port noise finding stored before campaigns: superseded, with its audit entry', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'legacy-noise' }));
    const targetId = target.body.id;
    await analyse(server(), targetId);
    const db = new Client({ connectionString: testApp.config.database.url });
    await db.connect();
    try {
      // What an older version stored: noise as a rule finding of one port.
      const inserted = await db.query(
        `INSERT INTO findings (target_id, fingerprint, classification, severity, severity_rank, control, direction, protocol, port,
           return_traffic, first_seen, last_seen, finding, kind)
         SELECT target_id, 'legacy0000000001', classification, severity, severity_rank, control, direction, protocol, 23,
           return_traffic, first_seen, last_seen, (finding - 'campaign') || '{"kind":"rule","fingerprint":"legacy0000000001"}'::jsonb, 'rule'
         FROM findings WHERE target_id = $1 AND kind = 'campaign' LIMIT 1 RETURNING id`,
        [targetId],
      );
      const legacyId = inserted.rows[0].id;
      const run = await analyse(server(), targetId);
      expect(run.statistics.findings.resolved).toBe(1);
      const legacy = await api(server()).get(`/v1/findings/${legacyId}`);
      expect(legacy.body).toMatchObject({
        status: 'resolved',
        statusReason: 'superseded: scanner noise is reported per campaign, not per port',
      });
      const history = await api(server()).get(`/v1/findings/${legacyId}/events`);
      expect(history.body.map((e: any) => [e.from, e.to, e.actor.type])).toEqual([['open', 'resolved', 'system']]);
      expect(
        (await allFindings(server(), targetId, '&status=open')).every((f) =>
          f.kind === 'rule' ? f.classification !== 'likely-noise' : true,
        ),
      ).toBe(true);
    } finally {
      await db.end();
    }
  });
});
