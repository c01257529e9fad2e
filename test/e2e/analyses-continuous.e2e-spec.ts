import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/common/clock/clock';
import { ContinuousAnalysisService, type TickOutcome } from '../../src/analyses/continuous/continuous-analysis.service';
import { CONTINUOUS_TICK_JOB, continuousSchedulerId } from '../../src/continuous/continuous-job';
import { ATHENA_SPEND_SWEEP_JOB } from '../../src/queues/job-catalogue';
import { QueueName } from '../../src/queues/queue-names';
import { WorkReconciler } from '../../src/recovery/work-reconciler.service';
import type { TestApp } from '../support/app/test-app';
import { until } from '../support/app/until';
import { allFindings, api, sampleTargetBody, waitForAnalysis } from '../support/app/analysis-api';
import { createAwsTestApp } from '../support/app/aws-test-app';

const MINUTE = 60_000;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id tcp-flags flow-direction traffic-path';
const DELIVERY_DIR = 'flows/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/24';

/** A REJECT of the samples' batch host (10.20.30.11) to the app tier's tcp/8443 on eni-…a13: the app groups lack the batch group. */
function rejectRecord(startMs: number, srcport: number): string {
  const start = Math.floor(startMs / 1000);
  return `5 111122223333 eni-0a10b1c2d3e4f5a13 10.20.30.11 10.20.11.11 ${srcport} 8443 6 3 180 ${start} ${start + 60} REJECT OK vpc-0a3f5c7e9b1d24680 subnet-0e1a2b3c4d5e6f712 2 ingress -`;
}

interface Delivery {
  /** When the file lands in the bucket (simulated time). */
  at: number;
  records: string[];
  name: string;
}

describe('continuous analysis: rolling windows from a watermark on a simulated clock', () => {
  const T0 = Date.parse('2026-11-24T10:00:00Z');
  const clock = new FixedClock(T0);
  const root = mkdtempSync(join(tmpdir(), 'sgdoctor-continuous-'));
  let testApp: TestApp;
  let ticks: ContinuousAnalysisService;
  let queue: Queue;
  const server = () => testApp.app.getHttpServer();

  /** Writes, as AWS delivers them, the files whose delivery time has come; returns how many. */
  const deliver = (pending: Delivery[]): number => {
    const due = pending.filter((d) => d.at <= clock.nowMs());
    for (const d of due) {
      writeFileSync(join(root, DELIVERY_DIR, d.name), gzipSync(`${HEADER}\n${d.records.join('\n')}\n`));
      pending.splice(pending.indexOf(d), 1);
    }
    return due.length;
  };

  /** One tick at the clock's time; a started rolling analysis is awaited (it runs on the real worker). */
  const tick = async (targetId: string): Promise<TickOutcome> => {
    const outcome = await ticks.tick(targetId);
    if (outcome.outcome === 'started') {
      const done = await waitForAnalysis(server(), outcome.analysisId);
      expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    }
    return outcome;
  };

  /**
   * The test drives the ticks at simulated times: the target's real scheduler (checked in the
   * first test) is removed, and any tick it already produced has run. The worker's own periodic
   * job on the queue (the Athena spending sweep, always one delayed) is not the target's.
   */
  const withoutScheduler = async (targetId: string): Promise<void> => {
    await queue.removeJobScheduler(continuousSchedulerId(targetId));
    await until(
      async () =>
        (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']))
          .filter((job) => job.name !== ATHENA_SPEND_SWEEP_JOB)
          .map((job) => job.name),
      (names) => names.length === 0,
    );
  };

  const openFinding = async (targetId: string) =>
    (await allFindings(server(), targetId)).find((f) => f.port === 8443 && f.direction === 'ingress' && f.status === 'open');

  beforeAll(async () => {
    mkdirSync(join(root, DELIVERY_DIR), { recursive: true });
    cpSync(resolve(__dirname, '..', '..', 'samples', 'snapshot.json'), join(root, 'snapshot.json'));
    testApp = await createAwsTestApp({
      env: {
        SGDOCTOR_DATA_ROOT: root,
        RATE_LIMIT_PER_MINUTE: '100000',
        SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: '150',
        RECONCILE_INTERVAL_MS: '3600000',
      },
      clock,
    });
    ticks = testApp.app.get(ContinuousAnalysisService);
    queue = testApp.app.get<Queue>(getQueueToken(QueueName.Analysis));
  });

  afterAll(async () => {
    await testApp?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a target turned continuous gets a job scheduler (re-created by the reconciler when Redis loses it) and a watermark at now − delivery delay', async () => {
    const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'scheduled', continuous: { everyMinutes: 5 } }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.continuous).toEqual({ everyMinutes: 5, deliveryDelayMinutes: 10 });
    expect(created.body.continuousStatus).toMatchObject({ watermark: '2026-11-24T09:50:00.000Z', lastTick: null, skippedTicks: 0 });
    const id = continuousSchedulerId(created.body.id);
    expect(await queue.getJobScheduler(id)).toMatchObject({ key: id, every: 5 * MINUTE, name: CONTINUOUS_TICK_JOB });

    await queue.removeJobScheduler(id);
    await testApp.app.get(WorkReconciler).reconcile();
    expect(await queue.getJobScheduler(id)).toMatchObject({ every: 5 * MINUTE });

    const off = await api(server()).patch(`/v1/targets/${created.body.id}`, { continuous: { enabled: false } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.continuous).toBeNull();
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect((await api(server()).patch(`/v1/targets/${created.body.id}`, { continuous: { everyMinutes: 0 } })).status).toBe(400);
  });

  it('a finding opens within 15 minutes of its flow being delivered, and consecutive windows count each hour once', async () => {
    clock.set(T0);
    const every = 10;
    const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'rolling', continuous: { everyMinutes: every } }));
    const targetId = created.body.id as string;
    await withoutScheduler(targetId);

    // One rejected connection attempt every 10 minutes from 10:03 to 11:53, each in the file AWS
    // delivers 8 minutes after the record ends (within the 10-minute delivery delay).
    const pending: Delivery[] = [];
    for (let i = 0; i < 12; i += 1) {
      const start = T0 + 3 * MINUTE + i * 10 * MINUTE;
      pending.push({
        at: start + 9 * MINUTE,
        records: [rejectRecord(start, 50_000 + i)],
        name: `111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261124T${i}_${i}.log.gz`,
      });
    }
    const firstDelivery = pending[0]!.at;

    let openedAt: number | null = null;
    const windows: Array<{ from: string; to: string }> = [];
    for (let now = T0 + every * MINUTE; now <= T0 + 150 * MINUTE; now += every * MINUTE) {
      clock.set(now);
      deliver(pending);
      const outcome = await tick(targetId);
      if (outcome.outcome === 'started') windows.push({ from: outcome.window.from.toISOString(), to: outcome.window.to.toISOString() });
      if (openedAt === null && (await openFinding(targetId))) openedAt = now;
    }

    // Delivered at 10:12; the tick at 10:20 reads up to 10:10 and opens the finding.
    expect(openedAt).not.toBeNull();
    const latencyMinutes = (openedAt! - firstDelivery) / MINUTE;
    console.info(
      `continuous analysis: finding opened ${latencyMinutes} simulated minutes after its flow was delivered (every ${every} min, delivery delay 10 min)`,
    );
    expect(latencyMinutes).toBeLessThanOrEqual(15);

    // Windows follow each other from the watermark, each starting at the hour it holds.
    for (const [i, window] of windows.entries()) {
      expect(window.from.slice(14), JSON.stringify(window)).toBe('00:00.000Z');
      if (i > 0) expect(Date.parse(window.from)).toBe(Math.floor(Date.parse(windows[i - 1]!.to) / 3_600_000) * 3_600_000);
    }
    expect(windows.length).toBeGreaterThanOrEqual(12);

    // Each hour once: 6 records in each of 10:00 and 11:00, however many windows read them.
    const finding = (await openFinding(targetId))!;
    const detail = await api(server()).get(`/v1/findings/${finding.id}`);
    expect(detail.body.evidence.countsOverTime).toEqual([
      { from: '2026-11-24T10:00:00.000Z', records: 6 },
      { from: '2026-11-24T11:00:00.000Z', records: 6 },
    ]);
    expect(finding.records).toBe(12);

    // The same data in one analysis on request: the same counts, hour for hour.
    const once = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'once' }));
    const analysis = await api(server()).post('/v1/analyses', {
      targetId: once.body.id,
      from: '2026-11-24T10:00:00Z',
      to: '2026-11-24T12:00:00Z',
    });
    expect((await waitForAnalysis(server(), analysis.body.id)).status).toBe('succeeded');
    const single = (await allFindings(server(), once.body.id)).find((f) => f.fingerprint === finding.fingerprint)!;
    expect((await api(server()).get(`/v1/findings/${single.id}`)).body.evidence.countsOverTime).toEqual(
      detail.body.evidence.countsOverTime,
    );
  }, 240_000);

  it('a slow analysis makes the next tick skip (said on the target), not queue a second analysis; the window after it covers the skipped minutes', async () => {
    const start = T0 + 4 * 3_600_000;
    clock.set(start);
    const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'busy', continuous: { everyMinutes: 5 } }));
    const targetId = created.body.id as string;
    await withoutScheduler(targetId);

    clock.set(start + 5 * MINUTE);
    const first = await ticks.tick(targetId);
    expect(first.outcome).toBe('started');
    const firstId = (first as { analysisId: string }).analysisId;

    // Five minutes later the analysis is still running (150 ms per stage): the scheduler's tick, run by the worker, skips.
    clock.set(start + 10 * MINUTE);
    await queue.add(CONTINUOUS_TICK_JOB, { targetId });
    const status = await until(
      async () => (await api(server()).get(`/v1/targets/${targetId}`)).body.continuousStatus,
      (s) => s.lastTickAt === new Date(start + 10 * MINUTE).toISOString(),
    );
    expect(status).toMatchObject({ lastTick: 'skipped-busy', skippedTicks: 1, lastAnalysisId: firstId });
    expect(status.message).toContain(firstId);
    const listed = await api(server()).get(`/v1/analyses?targetId=${targetId}`);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([firstId]);

    expect((await waitForAnalysis(server(), firstId)).status).toBe('succeeded');
    clock.set(start + 15 * MINUTE);
    const next = await ticks.tick(targetId);
    expect(next.outcome).toBe('started');
    // From the hour of the watermark (13:55, where the first window ended) to now − 10 min: the skipped minutes are in it.
    expect((next as { window: { from: Date; to: Date } }).window).toEqual({
      from: new Date(start - 3_600_000),
      to: new Date(start + 5 * MINUTE),
    });
    expect((await waitForAnalysis(server(), (next as { analysisId: string }).analysisId)).status).toBe('succeeded');
    const after = (await api(server()).get(`/v1/targets/${targetId}`)).body.continuousStatus;
    expect(after).toMatchObject({ lastTick: 'started', skippedTicks: 1, watermark: new Date(start - 5 * MINUTE).toISOString() });
  }, 120_000);
});
