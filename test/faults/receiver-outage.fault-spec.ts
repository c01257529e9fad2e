import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEventType } from '../../src/events/domain-event';
import { verify } from '../../src/webhooks/delivery/standard-webhooks';
import { sampleFinding } from '../support/factories/sample-finding';
import { emitEvent, findingEventData, insertTargetAndFinding } from '../support/factories/domain-events';
import { ADMIN_KEY, INTEGRATION_ENV } from '../support/app/integration-app';
import { api } from '../support/app/analysis-api';
import { builtDistDir } from '../support/app/built-app';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { WebhookReceiver } from '../support/http/webhook-receiver';
import { poll, WorkerFleet, withDatabase } from '../support/app/fault-support';

const EVENTS = 40;
/**
 * The Standard Webhooks schedule (0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h) with an
 * hour compressed to a second.
 */
const COMPRESSED_SCHEDULE_MS = '0,2,83,500,2000,5000,10000,14000,20000,24000';
/** "Ten hours" of the compressed schedule. */
const DOWN_MS = 10_000;

/**
 * A receiver down for hours (compressed): every event of a burst is retried on the schedule and
 * delivered once it is back — each with its own id and body on every attempt, signed validly,
 * none dead-lettered, none delivered twice.
 */
describe('a webhook receiver down for hours', () => {
  let testApp: TestApp;
  let fleet: WorkerFleet;
  let receiver: WebhookReceiver;
  let upAt = Number.POSITIVE_INFINITY;
  const answered = { refused: 0, accepted: 0 };
  const finding = sampleFinding();

  beforeAll(async () => {
    receiver = await WebhookReceiver.start(() => {
      if (performance.now() < upAt) {
        answered.refused += 1;
        return { status: 503 };
      }
      answered.accepted += 1;
      return { status: 204 };
    });
    const env = { ...INTEGRATION_ENV, WEBHOOK_RETRY_SCHEDULE_MS: COMPRESSED_SCHEDULE_MS, WEBHOOK_TIMEOUT_MS: '2000' };
    testApp = await createTestApp({ env });
    fleet = new WorkerFleet(builtDistDir(), testApp, { ...env, RECONCILE_INTERVAL_MS: '2000' });
  }, 300_000);

  afterAll(async () => {
    await fleet?.stopAll();
    await testApp?.close();
    await receiver?.close();
  });

  it('gets every event once it is back, same id and body on every attempt, with valid signatures', async () => {
    const { targetId, findingId } = await insertTargetAndFinding(testApp.config.database.url, finding);
    const hook = await api(testApp.app.getHttpServer(), ADMIN_KEY).post('/v1/webhooks', {
      url: receiver.url('/down'),
      events: ['finding.opened'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const secret: string = hook.body.secret;
    await fleet.start();
    upAt = performance.now() + DOWN_MS;
    const { subject, data } = findingEventData(targetId, findingId, finding);
    const eventIds: string[] = [];
    for (let i = 0; i < EVENTS; i += 1) eventIds.push(await emitEvent(testApp.app, DomainEventType.FindingOpened, subject, data));

    const statuses = () =>
      withDatabase(testApp.config.database.url, async (db) => {
        const rows = await db.query(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status`,
          [hook.body.id],
        );
        return Object.fromEntries(rows.rows.map((row: { status: string; n: number }) => [row.status, row.n])) as Record<string, number>;
      });
    await poll(statuses, (counts) => counts.succeeded === EVENTS, DOWN_MS + 60_000, 250);
    const recoveredMs = performance.now() - upAt;
    expect(await statuses()).toEqual({ succeeded: EVENTS });

    const requests = receiver.requests.filter((r) => r.path === '/down');
    // Every event was tried (and refused) during the outage, and accepted exactly once after it.
    expect(answered.refused).toBeGreaterThanOrEqual(EVENTS);
    expect(answered.accepted).toBe(EVENTS);
    // One success per event, and every attempt of an event carried the same id and the same body.
    const bodiesById = new Map<string, Set<string>>();
    for (const request of requests) {
      const id = String(request.headers['webhook-id']);
      bodiesById.set(id, (bodiesById.get(id) ?? new Set()).add(request.body.toString('utf8')));
      expect(verify(secret, request.headers, request.body, { now: new Date(Number(request.headers['webhook-timestamp']) * 1000) })).toEqual(
        { ok: true },
      );
    }
    expect([...bodiesById.keys()].sort()).toEqual([...eventIds].sort());
    for (const bodies of bodiesById.values()) expect(bodies.size).toBe(1);
    console.info(
      `fault: receiver down ${DOWN_MS} ms ("10 hours"); ${requests.length} requests for ${EVENTS} events, all delivered ${Math.round(recoveredMs)} ms after it came back`,
    );
  });
});
