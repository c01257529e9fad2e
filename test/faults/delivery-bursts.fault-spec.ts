import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DomainEventType } from '../../src/events/domain-event';
import { sampleFinding } from '../support/factories/sample-finding';
import { emitEvent, findingEventData, insertTargetAndFinding } from '../support/factories/domain-events';
import { ADMIN_KEY, INTEGRATION_ENV } from '../support/app/integration-app';
import { api } from '../support/app/analysis-api';
import { builtDistDir } from '../support/app/built-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { WebhookReceiver } from '../support/http/webhook-receiver';
import { poll, WorkerFleet, withDatabase } from '../support/app/fault-support';

const EVENTS = 80;
/** A lease lasts WEBHOOK_TIMEOUT_MS × 4 + 5 s (9 s here). */
const WEBHOOK_TIMEOUT_MS = 1000;

/**
 * A worker killed (SIGKILL) or stopped (SIGTERM) in the middle of a burst of deliveries to one
 * subscription: another worker delivers every event, and the subscription's delivery leases
 * neither leak nor hold up the rest.
 */
describe('webhook delivery bursts survive their workers dying', () => {
  let testApp: TestApp;
  let fleet: WorkerFleet;
  let receiver: WebhookReceiver;
  let targetId: string;
  let findingId: string;
  const finding = sampleFinding();

  const burst = async (path: string): Promise<{ subscriptionId: string; eventIds: string[] }> => {
    const hook = await api(testApp.app.getHttpServer(), ADMIN_KEY).post('/v1/webhooks', {
      url: receiver.url(path),
      events: ['finding.opened'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const { subject, data } = findingEventData(targetId, findingId, finding);
    const eventIds: string[] = [];
    for (let i = 0; i < EVENTS; i += 1) eventIds.push(await emitEvent(testApp.app, DomainEventType.FindingOpened, subject, data));
    return { subscriptionId: hook.body.id, eventIds };
  };

  const received = (path: string) => receiver.requests.filter((r) => r.path === path);

  const statuses = (subscriptionId: string) =>
    withDatabase(testApp.config.database.url, async (db) => {
      const rows = await db.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status`, [
        subscriptionId,
      ]);
      return Object.fromEntries(rows.rows.map((row: { status: string; n: number }) => [row.status, row.n])) as Record<string, number>;
    });

  /** Every event delivered (at least once: a request cut by a kill may be sent again), none left pending. */
  const expectAllDelivered = async (subscriptionId: string, path: string, eventIds: string[], withinMs: number): Promise<number> => {
    const started = performance.now();
    await poll(
      () => statuses(subscriptionId),
      (counts) => counts.succeeded === EVENTS,
      withinMs,
      250,
    );
    const ids = new Set(received(path).map((r) => String(r.headers['webhook-id'])));
    expect([...ids].sort()).toEqual([...eventIds].sort());
    expect(await statuses(subscriptionId)).toEqual({ succeeded: EVENTS });
    return performance.now() - started;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start(() => ({ status: 204, delayMs: 100 }));
    testApp = await createTestApp({ env: { ...INTEGRATION_ENV, WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS) } });
    ({ targetId, findingId } = await insertTargetAndFinding(testApp.config.database.url, finding));
    fleet = new WorkerFleet(builtDistDir(), testApp, {
      ...INTEGRATION_ENV,
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      WEBHOOK_SUBSCRIPTION_CONCURRENCY: '4',
      RECONCILE_INTERVAL_MS: '2000',
    });
  }, 300_000);

  afterEach(async () => {
    await fleet.stopAll();
  });

  afterAll(async () => {
    await testApp?.close();
    await receiver?.close();
  });

  it('a worker killed mid-burst: the next one delivers every event once its leases have expired', async () => {
    const first = await fleet.start();
    const { subscriptionId, eventIds } = await burst('/killed');
    await poll(
      () => Promise.resolve(received('/killed').length),
      (n) => n >= 12,
      60_000,
    );
    await fleet.kill(first);
    const killedAfter = received('/killed').length;
    expect(killedAfter).toBeLessThan(EVENTS);

    const started = performance.now();
    await fleet.start();
    const tookMs = await expectAllDelivered(subscriptionId, '/killed', eventIds, 120_000);
    console.info(
      `fault: worker killed mid-burst after ${killedAfter}/${EVENTS} deliveries; all delivered ${Math.round(performance.now() - started)} ms after the next worker started (last wait ${Math.round(tookMs)} ms)`,
    );
  });

  it('a worker stopped by SIGTERM mid-burst finishes the deliveries in hand, releases their leases and exits 0', async () => {
    const first = await fleet.start();
    const { subscriptionId, eventIds } = await burst('/stopped');
    await poll(
      () => Promise.resolve(received('/stopped').length),
      (n) => n >= 12,
      60_000,
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const output = `${first.lines.join('\n')}\n${first.stderrText()}`;
    expect(output).not.toMatch(/could not release|Connection is closed|EPIPE/);

    // No lease was left behind to wait out.
    const redis = new Redis(testApp.config.redis.url);
    try {
      expect(await redis.zcard(`${testApp.config.redis.prefix}:webhook-delivery:leases:${subscriptionId}`)).toBe(0);
    } finally {
      redis.disconnect();
    }

    const started = performance.now();
    await fleet.start();
    await expectAllDelivered(subscriptionId, '/stopped', eventIds, 60_000);
    console.info(
      `fault: worker stopped by SIGTERM mid-burst; the rest delivered ${Math.round(performance.now() - started)} ms after the next worker was started`,
    );
  });
});
