import { createHmac } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEventType } from '../../src/events/domain-event';
import { EventsService } from '../../src/events/events.service';
import { QueueName } from '../../src/queues/queue-names';
import { EVENTS_SWEEP_JOB } from '../../src/webhooks/jobs/webhook-jobs';
import type { ResolvedAddress } from '../../src/outbound-http/ssrf-guard';
import { sampleFinding } from '../support/factories/sample-finding';
import { emitEvent, findingEventData, insertTargetAndFinding } from '../support/factories/domain-events';
import { ADMIN_KEY, dropResources, startApi, type RunningApi } from '../support/app/integration-app';
import type { DeliveryView } from '../support/factories/delivery-view';
import { WebhookReceiver, type ReceivedRequest } from '../support/http/webhook-receiver';
import { until } from '../support/app/until';

/** Names the tests resolve themselves: one private, one that changes its answer (DNS rebinding). */
const dns = new Map<string, string>([
  ['internal.example.test', '10.20.30.40'],
  ['rebind.example.test', '127.0.0.1'],
]);
const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
  const address = dns.get(hostname);
  if (!address) throw new Error(`unknown host ${hostname}`);
  return [{ address, family: 4 }];
};

/** The Standard Webhooks check, written out from the specification rather than imported. */
function verifySignature(secret: string, received: ReceivedRequest): boolean {
  const id = String(received.headers['webhook-id']);
  const timestamp = String(received.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.${received.body.toString('utf8')}`)
    .digest('base64');
  const signatures = String(received.headers['webhook-signature']).split(' ');
  return signatures.some((entry) => entry === `v1,${expected}`);
}

describe('webhooks: signed delivery, retries, dead letters, SSRF', () => {
  let api: RunningApi;
  let targetId: string;
  let findingId: string;
  const finding = sampleFinding();
  const receivers: WebhookReceiver[] = [];
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${ADMIN_KEY}`);
  const http = {
    get: (path: string) => auth(request(api.app.getHttpServer()).get(path)),
    post: (path: string, body?: object) => auth(request(api.app.getHttpServer()).post(path)).send(body ?? {}),
    patch: (path: string, body: object) => auth(request(api.app.getHttpServer()).patch(path)).send(body),
    delete: (path: string) => auth(request(api.app.getHttpServer()).delete(path)),
  };

  async function receiver(...args: Parameters<typeof WebhookReceiver.start>): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start(...args);
    receivers.push(started);
    return started;
  }

  async function subscribe(url: string, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const created = await http.post('/v1/webhooks', { url, events: ['finding.opened', 'finding.resolved'], ...body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  function emitOpened(): Promise<string> {
    const { subject, data } = findingEventData(targetId, findingId, finding);
    return emitEvent(api.app, DomainEventType.FindingOpened, subject, data);
  }

  async function deliveries(subscriptionId: string): Promise<DeliveryView[]> {
    const page = await http.get(`/v1/webhooks/${subscriptionId}/deliveries`);
    expect(page.status).toBe(200);
    return page.body.items;
  }

  beforeAll(async () => {
    api = await startApi({
      hostResolver: resolver,
      env: {
        WEBHOOK_RETRY_SCHEDULE_MS: '0,200,200,200,200,200',
        WEBHOOK_DISABLE_AFTER_DEAD: '2',
        WEBHOOK_CONCURRENCY: '4',
        WEBHOOK_SUBSCRIPTION_CONCURRENCY: '2',
        WEBHOOK_TIMEOUT_MS: '6000',
      },
    });
    ({ targetId, findingId } = await insertTargetAndFinding(api.config.database.url, finding));
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await api?.close();
    if (api) await dropResources(api.resources);
  });

  it('shows the whsec_ secret once, stores it encrypted, and never returns it again', async () => {
    const hook = await receiver();
    const answer = await http.post('/v1/webhooks', { url: hook.url('/once'), events: ['finding.opened', 'finding.resolved'] });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    // The one answer that holds the secret is kept by no cache on the way.
    expect(answer.headers['cache-control']).toBe('no-store');
    const created: { id: string; secret: string } = answer.body;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const fetched = await http.get(`/v1/webhooks/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(JSON.stringify(fetched.body)).not.toContain(created.secret.slice(6));
    const listed = await http.get('/v1/webhooks');
    expect(JSON.stringify(listed.body)).not.toContain(created.secret.slice(6));

    const db = new Client({ connectionString: api.config.database.url });
    await db.connect();
    try {
      const row = await db.query('SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1', [created.id]);
      expect(row.rows[0].secret_encrypted).toMatch(/^v1:/);
      expect(row.rows[0].secret_encrypted).not.toContain(created.secret.slice(6));
    } finally {
      await db.end();
    }
  });

  it('delivers a finding event signed per Standard Webhooks, with the event id as webhook-id', async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url('/signed'));
    const eventId = await emitOpened();
    await hook.waitForRequests(1);
    const [received] = hook.requests;
    expect(received!.headers['content-type']).toBe('application/json');
    expect(received!.headers['webhook-id']).toBe(eventId);
    expect(Math.abs(Number(received!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(verifySignature(secret, received!)).toBe(true);
    // Another secret: the first base64 character changed to one it is not.
    const otherSecret = secret.replace(/^whsec_(.)/, (_, first: string) => `whsec_${first === 'A' ? 'B' : 'A'}`);
    expect(verifySignature(otherSecret, received!)).toBe(false);
    const body = JSON.parse(received!.body.toString('utf8'));
    expect(body).toMatchObject({
      id: eventId,
      type: 'finding.opened',
      subject: { findingId, targetId },
      data: { findingId, finding: { fingerprint: finding.fingerprint } },
    });

    const [delivery] = await until(
      () => deliveries(id),
      (items) => items[0]?.status === 'succeeded',
    );
    expect(delivery).toMatchObject({
      eventId,
      messageId: eventId,
      eventType: 'finding.opened',
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 204,
      nextAttemptAt: null,
    });
    expect(delivery!.lastDurationMs).toBeGreaterThanOrEqual(0);
  });

  it('a receiver that fails several times then recovers gets every event, each with the same id and bytes on every attempt', async () => {
    const hook = await receiver((_req, index) => (index < 5 ? { status: index % 2 === 0 ? 500 : 503 } : { status: 200 }));
    const { id, secret } = await subscribe(hook.url('/flaky'));
    const eventIds = [await emitOpened(), await emitOpened(), await emitOpened()];
    const settled = await until(
      () => deliveries(id),
      (items) => items.length === 3 && items.every((d) => d.status === 'succeeded'),
    );

    for (const eventId of eventIds) {
      const attempts = hook.requests.filter((r) => r.headers['webhook-id'] === eventId);
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      const bodies = new Set(attempts.map((r) => r.body.toString('hex')));
      expect(bodies.size).toBe(1);
      expect(attempts.every((r) => verifySignature(secret, r))).toBe(true);
      const delivery = settled.find((d) => d.eventId === eventId)!;
      expect(delivery.attempts).toBe(attempts.length);
    }
    expect(hook.requests).toHaveLength(8);
    const failing = settled.find((d) => d.attempts > 1)!;
    const detail = await http.get(`/v1/webhooks/${id}/deliveries/${failing.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.attemptLog.map((a: { statusCode: number }) => a.statusCode).at(-1)).toBe(200);
    expect(detail.body.attemptLog.slice(0, -1).every((a: { statusCode: number }) => a.statusCode >= 500)).toBe(true);
    expect(Buffer.from(detail.body.payload)).toEqual(hook.requests.find((r) => r.headers['webhook-id'] === failing.eventId)!.body);
  });

  it('pages the delivery log newest first with a cursor, each delivery once', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const { id } = await subscribe(hook.url('/paged'));
    for (let i = 0; i < 3; i += 1) await emitOpened();
    const all = await until(
      () => deliveries(id),
      (items) => items.length === 3 && items.every((d) => d.status === 'succeeded'),
    );

    const first = await http.get(`/v1/webhooks/${id}/deliveries?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await http.get(`/v1/webhooks/${id}/deliveries?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.nextCursor).toBeNull();
    const paged = [...first.body.items, ...second.body.items] as DeliveryView[];
    expect(paged.map((d) => d.id)).toEqual(all.map((d) => d.id));
    const created = paged.map((d) => Date.parse(d.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('dead-letters after the schedule, lists it, disables after two dead in a row with an event, and redelivers the same bytes', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    // Subscribed to webhook.disabled too: it must not be told about its own disabling.
    const { id } = await subscribe(hook.url('/down'), { events: ['finding.opened', 'webhook.disabled'] });
    await emitOpened();
    await emitOpened();
    const dead = await until(
      () => deliveries(id),
      (items) => items.length === 2 && items.every((d) => d.status === 'dead'),
    );
    expect(dead.every((d) => d.attempts === 6 && d.nextAttemptAt === null && d.deadAt !== null)).toBe(true);

    const letters = await http.get('/v1/webhooks/dead-letters');
    expect(letters.status).toBe(200);
    expect(letters.body.items.filter((d: { subscriptionId: string }) => d.subscriptionId === id)).toHaveLength(2);
    const own = await http.get(`/v1/webhooks/${id}/dead-letters`);
    expect(own.body.items).toHaveLength(2);

    const disabled = await until(
      () => http.get(`/v1/webhooks/${id}`),
      (r) => r.body.enabled === false,
    );
    expect(disabled.body.disabledReason).toMatch(/2 consecutive deliveries were dead-lettered/);
    const db = new Client({ connectionString: api.config.database.url });
    await db.connect();
    try {
      const events = await db.query(`SELECT subject FROM events WHERE type = 'webhook.disabled'`);
      expect(events.rows.map((r) => r.subject.subscriptionId)).toContain(id);
    } finally {
      await db.end();
    }

    expect((await http.post(`/v1/webhooks/${id}/enable`)).body).toMatchObject({
      enabled: true,
      disabledReason: null,
      resumedDeliveries: 0,
    });
    expect((await deliveries(id)).filter((d) => d.eventType === 'webhook.disabled')).toEqual([]);
    hook.respondWith(() => ({ status: 200 }));
    const before = hook.requests.length;
    const target = dead[0]!;
    const redelivered = await http.post(`/v1/webhooks/${id}/deliveries/${target.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    await until(
      () => deliveries(id),
      (items) => items.find((d) => d.id === target.id)?.status === 'succeeded',
    );
    const last = hook.requests.at(-1)!;
    expect(hook.requests.length).toBe(before + 1);
    expect(last.headers['webhook-id']).toBe(target.messageId);
    const firstAttempt = hook.requests.find((r) => r.headers['webhook-id'] === target.messageId)!;
    expect(last.body.equals(firstAttempt.body)).toBe(true);
    expect(last.headers['webhook-timestamp']).not.toBe(undefined);
    expect((await http.post(`/v1/webhooks/${id}/deliveries/${target.id}/redeliver`)).status).toBe(202);
  });

  it('honours Retry-After on 429 instead of the shorter scheduled delay', async () => {
    const hook = await receiver((_req, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const { id } = await subscribe(hook.url('/throttled'));
    await emitOpened();
    const [waiting] = await until(
      () => deliveries(id),
      (items) => items[0]?.attempts === 1,
    );
    expect(waiting).toMatchObject({ status: 'pending', lastStatusCode: 429 });
    expect(new Date(waiting!.nextAttemptAt!).getTime() - new Date(waiting!.lastAttemptAt!).getTime()).toBeGreaterThanOrEqual(1_900);
    await hook.waitForRequests(2);
    expect(hook.requests[1]!.at - hook.requests[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(hook.requests[1]!.headers['webhook-id']).toBe(hook.requests[0]!.headers['webhook-id']);
    await until(
      () => deliveries(id),
      (items) => items[0]?.status === 'succeeded',
    );
  });

  it('an event committed but never published (the process died in between) is delivered by the sweep', async () => {
    const hook = await receiver();
    await subscribe(hook.url('/swept'));
    const { subject, data } = findingEventData(targetId, findingId, finding);
    const dataSource = api.app.get<DataSource>(getDataSourceToken());
    const event = await dataSource.transaction((manager) =>
      api.app.get(EventsService).record(manager, { type: DomainEventType.FindingOpened, subject, data }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.requests).toHaveLength(0);
    await api.app.get<Queue>(getQueueToken(QueueName.WebhookDelivery)).add(EVENTS_SWEEP_JOB, {});
    await hook.waitForRequests(1);
    expect(hook.requests[0]!.headers['webhook-id']).toBe(event.id);
  });

  it.each([
    ['', {}],
    [' (the status decides, however long the body after it)', { streamBytes: 50 * 1024 * 1024 }],
  ])('410 Gone disables the subscription at once%s', async (_case, body) => {
    const hook = await receiver(() => ({ status: 410, ...body }));
    const { id } = await subscribe(hook.url('/gone'));
    await emitOpened();
    const hooked = await until(
      () => http.get(`/v1/webhooks/${id}`),
      (r) => r.body.enabled === false,
    );
    expect(hooked.body.disabledReason).toMatch(/410/);
    const [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    await emitOpened();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.requests).toHaveLength(1);
  });

  it.each([
    ['a 50 MB answer is cut at the size limit', '/verbose', { streamBytes: 50 * 1024 * 1024 }],
    ['one that stalls after the status', '/stalling', { stallBody: true }],
  ] as const)('a 2xx is delivered whatever its body: %s, not retried', async (_case, path, body) => {
    const hook = await receiver(() => ({ status: 200, ...body }));
    const { id } = await subscribe(hook.url(path));
    const eventId = await emitOpened();
    const [delivery] = await until(
      () => deliveries(id),
      (items) => items[0] !== undefined && items[0].status !== 'pending',
    );
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.requests.map((r) => r.headers['webhook-id'])).toEqual([eventId]);
    // The subscription stays and gets later tests' events: they must not each hold a worker slot.
    hook.respondWith(() => ({ status: 204 }));
  });

  it('holds, not fails, the other deliveries of a burst that were in flight when a 410 disabled the subscription', async () => {
    let gone = true;
    // No 410 is answered before two deliveries are in flight: both of the subscription's slots
    // are busy when the first 410 lands, however slowly the worker picks up the burst.
    const inFlight: { two?: Promise<void> } = {};
    const hook = await receiver(() => (gone ? { status: 410, delayMs: 100, after: inFlight.two } : { status: 200 }));
    inFlight.two = hook.waitForRequests(2);
    const { id } = await subscribe(hook.url('/burst'));
    const burst = await Promise.all([emitOpened(), emitOpened(), emitOpened(), emitOpened()]);
    await until(
      () => http.get(`/v1/webhooks/${id}`),
      (r) => r.body.enabled === false,
    );
    const settled = await until(
      () => deliveries(id),
      (items) => items.length === 4 && items.every((d) => d.status === 'failed' || d.status === 'held'),
    );
    expect(settled.filter((d) => d.status === 'failed')).toHaveLength(1);
    expect(settled.filter((d) => d.status === 'held')).toHaveLength(3);
    expect(hook.requests.length).toBeGreaterThanOrEqual(2);

    gone = false;
    const enabled = await http.post(`/v1/webhooks/${id}/enable`);
    expect(enabled.body).toMatchObject({ enabled: true, resumedDeliveries: 3 });
    const after = await until(
      () => deliveries(id),
      (items) => items.filter((d) => d.status === 'succeeded').length === 3,
    );
    const failed = after.find((d) => d.status === 'failed')!;
    expect(
      after
        .filter((d) => d.status === 'succeeded')
        .map((d) => d.eventId)
        .sort(),
    ).toEqual(burst.filter((e) => e !== failed.eventId).sort());
  });

  it('holds events while disabled and sends them, in order and byte-identical, when re-enabled, once', async () => {
    const hook = await receiver(() => ({ status: 410 }));
    const { id, secret } = await subscribe(hook.url('/held'));
    await emitOpened();
    await until(
      () => http.get(`/v1/webhooks/${id}`),
      (r) => r.body.enabled === false,
    );
    const missed = [await emitOpened(), await emitOpened()];
    const held = await until(
      () => deliveries(id),
      (items) => items.filter((d) => d.status === 'held').length === 2,
    );
    expect(
      held
        .filter((d) => d.status === 'held')
        .map((d) => d.eventId)
        .sort(),
    ).toEqual([...missed].sort());
    expect(held.find((d) => d.status === 'held')).toMatchObject({ attempts: 0, nextAttemptAt: null, deliveredAt: null });
    const listed = await http.get(`/v1/webhooks/${id}/deliveries?status=held`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);
    expect(hook.requests).toHaveLength(1);

    // The oldest answers slowly: the next is not sent until it has been answered, so the order
    // holds however the two jobs are scheduled (they come due only 100 ms apart).
    const slowAnswerMs = 800;
    hook.respondWith((_request, index) => (index === 1 ? { status: 200, delayMs: slowAnswerMs } : { status: 200 }));
    const enabled = await http.post(`/v1/webhooks/${id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, resumedDeliveries: 2 });
    await hook.waitForRequests(3);
    const resumed = hook.requests.slice(1);
    expect(resumed.map((r) => r.headers['webhook-id'])).toEqual(missed);
    expect(resumed[1]!.at - resumed[0]!.at).toBeGreaterThanOrEqual(slowAnswerMs);
    const settled = await until(
      () => deliveries(id),
      (items) => items.filter((d) => d.status === 'succeeded').length === 2,
    );
    for (const request of resumed) {
      expect(verifySignature(secret, request)).toBe(true);
      const delivery = settled.find((d) => d.eventId === request.headers['webhook-id'])!;
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, messageId: delivery.eventId });
      const detail = await http.get(`/v1/webhooks/${id}/deliveries/${delivery.id}`);
      expect(request.body.equals(Buffer.from(detail.body.payload))).toBe(true);
      expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ id: delivery.eventId, type: 'finding.opened' });
    }
    expect(settled.find((d) => d.lastStatusCode === 410)).toMatchObject({ status: 'failed' });

    const again = await http.post(`/v1/webhooks/${id}/enable`);
    expect(again.body).toMatchObject({ enabled: true, resumedDeliveries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(hook.requests).toHaveLength(3);
  });

  it('filters by severity and target', async () => {
    const hook = await receiver();
    const { id: critical } = await subscribe(hook.url('/critical'), { filters: { severities: ['critical'] } });
    const { id: ours } = await subscribe(hook.url('/ours'), { filters: { targetIds: [targetId], severities: ['high'] } });
    await emitOpened();
    await until(
      () => deliveries(ours),
      (items) => items[0]?.status === 'succeeded',
    );
    expect(await deliveries(critical)).toHaveLength(0);
  });

  it('sends a signed webhook.test ping', async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url('/ping'));
    const ping = await http.post(`/v1/webhooks/${id}/test`);
    expect(ping.status).toBe(202);
    expect(ping.body).toMatchObject({ eventType: 'webhook.test', eventId: null });
    await hook.waitForRequests(1);
    expect(JSON.parse(hook.requests[0]!.body.toString()).type).toBe('webhook.test');
    expect(hook.requests[0]!.headers['webhook-id']).toBe(ping.body.messageId);
    expect(verifySignature(secret, hook.requests[0]!)).toBe(true);
  });

  it('a ping asked for while its subscription is deleted is 404 WEBHOOK.NOT_FOUND or sent before the DELETE, never a 500', async () => {
    const hook = await receiver();
    for (let round = 0; round < 8; round++) {
      const { id } = await subscribe(hook.url(`/deleted-${round}`));
      const [deleted, ...pings] = await Promise.all([
        http.delete(`/v1/webhooks/${id}`),
        ...Array.from({ length: 4 }, () => http.post(`/v1/webhooks/${id}/test`)),
      ]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      for (const ping of pings) {
        expect([202, 404], `${ping.status} ${JSON.stringify(ping.body)}`).toContain(ping.status);
        if (ping.status === 404) expect(ping.body.code).toBe('WEBHOOK.NOT_FOUND');
      }
    }
  });

  it('a backlog for one slow receiver does not delay the others: deliveries per subscription are capped', { timeout: 60_000 }, async () => {
    const slow = await receiver(() => ({ status: 200, delayMs: 4_000 }));
    const fast = await receiver();
    await subscribe(slow.url('/slow'));
    await subscribe(fast.url('/fast'));
    const started = Date.now();
    for (let i = 0; i < 6; i++) await emitOpened();
    // Four worker slots, at most two for one subscription: the fast receiver never waits for the slow one.
    await fast.waitForRequests(6, 3_800);
    expect(Date.now() - started).toBeLessThan(3_800);
    expect(slow.requests.length).toBeLessThanOrEqual(2);
    await slow.waitForRequests(6, 30_000);
    const starts = slow.requests.map((r) => r.at).sort((a, b) => a - b);
    // Never more than two in flight: the third starts only after the first answered.
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(3_900);
  });

  it('refuses metadata, loopback outside the allowed range and private names at create, naming the field', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['http://127.0.0.2:8080/hook', /loopback/],
      ['http://[::1]:8080/hook', /loopback/],
      ['http://internal.example.test/hook', /private/],
      ['ftp://127.0.0.1/hook', /scheme-not-allowed/],
    ];
    for (const [url, reason] of cases) {
      const response = await http.post('/v1/webhooks', { url, events: ['finding.opened'] });
      expect(response.status, url).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.errors).toEqual([expect.objectContaining({ field: 'url', message: expect.stringMatching(reason) })]);
    }
    const jira = await http.post('/v1/webhooks', {
      format: 'jira',
      events: ['finding.opened'],
      jira: { baseUrl: 'http://169.254.169.254', email: 'a@example.com', apiToken: 't', projectKey: 'NET', issueType: 'Task' },
    });
    expect(jira.status).toBe(400);
    expect(jira.body.errors[0].field).toBe('jira.baseUrl');
  });

  it('checks a changed URL again on update, and keeps the secret through updates', async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url('/update'));
    const refused = await http.patch(`/v1/webhooks/${id}`, { url: 'http://169.254.169.254/latest/meta-data/' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'url', message: expect.stringMatching(/link-local/) })]);
    const moved = await http.patch(`/v1/webhooks/${id}`, { url: hook.url('/moved'), events: ['finding.opened'], name: 'moved' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ url: hook.url('/moved'), events: ['finding.opened'], name: 'moved' });
    expect((await http.patch(`/v1/webhooks/${id}`, { format: 'slack' })).status).toBe(400);
    await http.post(`/v1/webhooks/${id}/test`);
    await hook.waitForRequests(1);
    expect(hook.requests[0]!.path).toBe('/moved');
    expect(verifySignature(secret, hook.requests[0]!)).toBe(true);
  });

  it('shows the URL in full to admins only: other keys read every query value as [REDACTED]', async () => {
    const hook = await receiver();
    const url = hook.url('/in?token=SECRET123&code=abc&flag#part');
    const { id } = await subscribe(url);
    const reader = await http.post('/v1/api-keys', { name: 'webhook-reader', scopes: ['read'] });
    const writer = await http.post('/v1/api-keys', { name: 'webhook-writer', scopes: ['write'] });
    expect([reader.status, writer.status]).toEqual([201, 201]);
    const hidden = hook.url('/in?token=[REDACTED]&code=[REDACTED]&[REDACTED]#part');
    for (const key of [reader.body.key as string, writer.body.key as string]) {
      const as = (path: string) => request(api.app.getHttpServer()).get(path).set('authorization', `Bearer ${key}`);
      const one = await as(`/v1/webhooks/${id}`);
      expect(one.status).toBe(200);
      expect(one.body.url).toBe(hidden);
      const all = await as('/v1/webhooks');
      expect(all.body.find((w: { id: string }) => w.id === id).url).toBe(hidden);
      expect(JSON.stringify(all.body)).not.toContain('SECRET123');
    }
    expect((await http.get(`/v1/webhooks/${id}`)).body.url).toBe(url);
    expect((await http.get('/v1/webhooks')).body.find((w: { id: string }) => w.id === id).url).toBe(url);
  });

  it('checks again at delivery: a name that now resolves to a private address, and a redirect, are refused', async () => {
    const hook = await receiver();
    const { id: rebinding } = await subscribe(`http://rebind.example.test:${hook.port}/hook`);
    dns.set('rebind.example.test', '10.9.9.9');
    const redirector = await receiver(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
    const { id: redirecting } = await subscribe(redirector.url('/redirect'));
    await emitOpened();

    const [refused] = await until(
      () => deliveries(rebinding),
      (items) => items[0]?.status === 'failed',
    );
    expect(refused!.lastError).toMatch(/DELIVERY\.SSRF_BLOCKED.*10\.9\.9\.9.*private/);
    expect(refused!.attempts).toBe(1);
    expect(hook.requests).toHaveLength(0);

    const [redirected] = await until(
      () => deliveries(redirecting),
      (items) => items[0]?.status === 'failed',
    );
    expect(redirected).toMatchObject({ attempts: 1, lastStatusCode: 302 });
    expect(redirector.requests).toHaveLength(1);
  });

  it('validates the body: unknown events, ticketing formats limited to finding events, 404 for unknown ids', async () => {
    const badEvent = await http.post('/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['finding.exploded'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.errors[0].field).toBe('events');
    const jiraReport = await http.post('/v1/webhooks', {
      format: 'jira',
      events: ['report.ready'],
      jira: { baseUrl: 'http://127.0.0.1:9', email: 'a@example.com', apiToken: 't', projectKey: 'NET', issueType: 'Task' },
    });
    expect(jiraReport.status).toBe(400);
    expect(jiraReport.body.errors[0].field).toBe('events');
    const missing = await http.get('/v1/webhooks/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('WEBHOOK.NOT_FOUND');
  });
});
