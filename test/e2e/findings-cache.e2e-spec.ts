import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/common/clock/clock';
import type { DatabaseConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/database-options';
import { ChangeNotifications, LISTENER_APPLICATION_NAME } from '../../src/database/change-notifications';
import { EventEntity } from '../../src/events/event.entity';
import { FindingEventEntity } from '../../src/findings/finding-event.entity';
import { FindingEntity } from '../../src/findings/finding.entity';
import { FindingsCache } from '../../src/findings/findings-cache';
import { MIN_GZIP_BYTES } from '../../src/common/http/content-coding';
import { FindingsPersister } from '../../src/findings/findings-persister.service';
import type { ObservedFinding } from '../../src/findings/observed-finding';
import { TargetEntity } from '../../src/targets/target.entity';
import { FindingTicketsService } from '../../src/ticketing/finding-tickets.service';
import { ADMIN_KEY, api, sampleTargetBody } from '../support/app/analysis-api';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { TEST_POSTGRES_URL } from '../support/app/test-database';
import { until } from '../support/app/until';
import { eventsWithoutQueue } from '../support/factories/events-without-queue';
import { sampleFinding } from '../support/factories/sample-finding';

/** When the other writer's findings are written (the clock of its persister). */
const WRITTEN_AT = new Date('2026-12-04T12:00:00Z');

/** Findings alike but for their fingerprints (of one length): their details are texts of one size. */
function observed(count: number): ObservedFinding[] {
  return Array.from({ length: count }, (_, i) => ({
    finding: sampleFinding({ fingerprint: `cache-test-${String(i).padStart(4, '0')}` }),
    flows: [],
    counts: { '2023-11-14T22:00:00.000Z': 15 },
    vpcIds: ['vpc-0a'],
    accountIds: ['111122223333'],
  }));
}

/**
 * Another process writing findings: its own connection, the persister an analysis uses (upsert,
 * audit entry, event), committed before it returns.
 */
class OtherWriter {
  private constructor(
    readonly dataSource: DataSource,
    private readonly persister: FindingsPersister,
  ) {}

  static async open(config: DatabaseConfig): Promise<OtherWriter> {
    const dataSource = await new DataSource(
      buildDataSourceOptions(config, { entities: [FindingEntity, FindingEventEntity, EventEntity, TargetEntity] }),
    ).initialize();
    return new OtherWriter(dataSource, new FindingsPersister(eventsWithoutQueue(dataSource, new FixedClock(WRITTEN_AT))));
  }

  async persist(targetId: string, findings: ObservedFinding[]): Promise<void> {
    const ctx = { targetId, analysisId: randomUUID(), now: WRITTEN_AT };
    await this.dataSource.transaction((manager) => this.persister.upsertBatch(manager, ctx, findings));
  }

  close(): Promise<void> {
    return this.dataSource.destroy();
  }
}

type Server = Parameters<typeof request>[0];

/** The cache's counters as /metrics shows them, by `route result`. */
async function outcomes(server: Server): Promise<Record<string, number>> {
  const text = (await request(server).get('/metrics').set('authorization', `Bearer ${ADMIN_KEY}`)).text;
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^sgdoctor_findings_cache_requests_total\{route="(\w+)",result="(\w+)"\} (\d+)$/gm)) {
    counts[`${match[1]} ${match[2]}`] = Number(match[3]);
  }
  return counts;
}

/** How the counters moved from `before` to `after`, the unmoved left out. */
function moved(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([key, value]) => [key, value - (before[key] ?? 0)] as const)
      .filter(([, delta]) => delta !== 0),
  );
}

/** What a response carries but the date it was sent, its request id and the requests its key has left. */
function headersOf(response: request.Response): Record<string, string> {
  const { date: _date, 'x-request-id': _id, 'x-ratelimit-remaining': _left, ...rest } = response.headers as Record<string, string>;
  return rest;
}

async function openApp(env: Record<string, string> = {}): Promise<{ testApp: TestApp; targetId: string; writer: OtherWriter }> {
  const testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, ...env } });
  const target = await api(testApp.app.getHttpServer()).post('/v1/targets', sampleTargetBody());
  expect(target.status).toBe(201);
  return { testApp, targetId: target.body.id, writer: await OtherWriter.open(testApp.config.database) };
}

describe('the findings cache', () => {
  let testApp: TestApp;
  let targetId: string;
  let writer: OtherWriter;
  let changes: ChangeNotifications;
  let sql: Client;
  const server = () => testApp.app.getHttpServer();
  const list = () => api(server()).get(`/v1/findings?targetId=${targetId}&limit=50&sort=records`);

  beforeAll(async () => {
    ({ testApp, targetId, writer } = await openApp());
    changes = testApp.app.get(ChangeNotifications);
    sql = new Client({ connectionString: testApp.config.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await writer?.close();
    await testApp?.close();
  });

  it("answers a repeated read from memory, byte for byte and header for header what PostgreSQL's rendering sent", async () => {
    expect(changes.listening).toBe(true);
    const before = changes.generation;
    await writer.persist(targetId, observed(3));
    await changes.changedSince(before);

    const start = await outcomes(server());
    const first = await list();
    const again = await list();
    const same = await api(server()).get(`/v1/findings?sort=records&targetId=${targetId}&status=open,acknowledged,open`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(again.text).toBe(first.text);
    expect(headersOf(again)).toEqual(headersOf(first));
    // The same query written otherwise (the limit left to its default, a list's values in another order and repeated): one entry.
    const alike = await api(server()).get(`/v1/findings?targetId=${targetId}&sort=records&limit=50&status=acknowledged,open`);
    expect(alike.text).toBe(same.text);

    const id = first.body.items[0].id;
    const detail = await api(server()).get(`/v1/findings/${id}`);
    const detailAgain = await api(server()).get(`/v1/findings/${id}`);
    expect(detailAgain.text).toBe(detail.text);
    expect(headersOf(detailAgain)).toEqual(headersOf(detail));
    expect(moved(start, await outcomes(server()))).toEqual({ 'list miss': 2, 'list hit': 2, 'detail miss': 1, 'detail hit': 1 });
  });

  it('keys a cursor by its position: a sort key written with leading zeros is the same entry, a different one is not', async () => {
    const before = changes.generation;
    await writer.persist(targetId, observed(3));
    await changes.changedSince(before);
    const first = await api(server()).get(`/v1/findings?targetId=${targetId}&sort=records&limit=1`);
    const cursor = JSON.parse(Buffer.from(first.body.nextCursor as string, 'base64url').toString('utf8')) as {
      k: string;
      id: string;
      o: string;
    };
    const written = (k: string) => Buffer.from(JSON.stringify({ ...cursor, k })).toString('base64url');
    const page = (k: string) => api(server()).get(`/v1/findings?targetId=${targetId}&sort=records&limit=1&cursor=${written(k)}`);
    const start = await outcomes(server());
    const plain = await page(cursor.k);
    const padded = await page(`000${cursor.k}`);
    const other = await page(String(BigInt(cursor.k) + 1n));
    expect([plain.status, padded.status, other.status]).toEqual([200, 200, 200]);
    expect(padded.text).toBe(plain.text);
    expect(moved(start, await outcomes(server()))).toEqual({ 'list miss': 2, 'list hit': 1 });
  });

  it('never lets a request without a valid key or with a bad query reach the cache', async () => {
    await list();
    const start = await outcomes(server());
    expect((await request(server()).get(`/v1/findings?targetId=${targetId}&limit=50&sort=records`)).status).toBe(401);
    expect((await api(server(), 'not-a-key-of-this-api-0123456789abcdef').get('/v1/findings')).status).toBe(401);
    expect((await api(server()).get(`/v1/findings?targetId=${targetId}&limit=50&sort=lastSeen&cursor=x`)).status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ k: 'yesterday', id: randomUUID() })).toString('base64url');
    expect((await api(server()).get(`/v1/findings?sort=lastSeen&cursor=${forged}`)).status).toBe(400);
    expect((await api(server()).get('/v1/findings/not-a-uuid')).status).toBe(400);
    const missing = randomUUID();
    expect((await api(server()).get(`/v1/findings/${missing}`)).status).toBe(404);
    expect((await api(server()).get(`/v1/findings/${missing}`)).status).toBe(404);
    // Only the unknown finding was looked for (twice: a missing finding is never kept).
    expect(moved(start, await outcomes(server()))).toEqual({ 'detail miss': 2 });
  });

  it("shows another connection's write once its notification arrived: findings, status, tickets, truncation", async () => {
    const page = await list();
    const id = page.body.items[0].id;
    expect((await api(server()).get(`/v1/findings/${id}`)).body.tickets).toEqual([]);

    // New findings from another process's analysis.
    let seen = changes.generation;
    await writer.persist(targetId, observed(5));
    await changes.changedSince(seen);
    expect((await list()).body.items).toHaveLength(5);

    // A status changed by plain SQL: the list's stored item and the detail both.
    seen = changes.generation;
    await sql.query(`UPDATE findings SET status = 'acknowledged', status_reason = 'by hand' WHERE id = $1`, [id]);
    await changes.changedSince(seen);
    expect((await list()).body.items.find((item: { id: string }) => item.id === id).status).toBe('acknowledged');
    const detail = await api(server()).get(`/v1/findings/${id}`);
    expect(detail.body).toMatchObject({ status: 'acknowledged', statusReason: 'by hand' });

    // A ticket recorded by another process (a delivery in the worker), then every ticket truncated.
    const [subscription] = (
      await sql.query(
        `INSERT INTO webhook_subscriptions (name, url, events, format) VALUES ('jira', 'https://jira.example', '{finding.opened}', 'jira') RETURNING id`,
      )
    ).rows;
    seen = changes.generation;
    await sql.query(
      `INSERT INTO finding_tickets (finding_id, subscription_id, system, external_id, external_key, url, state)
       VALUES ($1, $2, 'jira', '10001', 'NET-1', 'https://jira.example/browse/NET-1', 'open')`,
      [id, subscription.id],
    );
    await changes.changedSince(seen);
    expect((await api(server()).get(`/v1/findings/${id}`)).body.tickets).toMatchObject([{ key: 'NET-1', state: 'open' }]);
    seen = changes.generation;
    await sql.query(`TRUNCATE finding_tickets`);
    await changes.changedSince(seen);
    expect((await api(server()).get(`/v1/findings/${id}`)).body.tickets).toEqual([]);

    // A rolled-back write notifies nothing.
    seen = changes.generation;
    await sql.query('BEGIN');
    await sql.query(`UPDATE findings SET status = 'resolved' WHERE id = $1`, [id]);
    await sql.query('ROLLBACK');
    await sql.query(`SELECT pg_notify('sgdoctor_findings_changed', '')`);
    await changes.changedSince(seen);
    expect(changes.generation).toBe(seen + 1);
  });

  it('shows a write made through this API at once, without waiting for its notification', async () => {
    const id = (await list()).body.items[1].id;
    const [subscription] = (
      await sql.query(
        `INSERT INTO webhook_subscriptions (name, url, events, format) VALUES ('snow', 'https://snow.example', '{finding.opened}', 'servicenow') RETURNING id`,
      )
    ).rows;
    // The notifications held back (the listening connection's socket read no more), so only the write itself can tell.
    const socket = (changes as unknown as { client: { connection: { stream: Socket } } }).client.connection.stream;
    await list();
    await api(server()).get(`/v1/findings/${id}`);
    const start = await outcomes(server());
    socket.pause();
    try {
      const patched = await api(server()).patch(`/v1/findings/${id}`, { status: 'resolved', reason: 'rule added' });
      expect(patched.status).toBe(200);
      expect(patched.body.status).toBe('resolved');
      const detail = await api(server()).get(`/v1/findings/${id}`);
      expect(detail.text).toBe(patched.text);
      expect((await list()).body.items.find((item: { id: string }) => item.id === id).status).toBe('resolved');

      // A ticket this process records (its worker's delivery).
      await testApp.app
        .get(FindingTicketsService)
        .record(id, subscription.id, 'servicenow', { externalId: 'abc', key: 'INC0001', url: 'https://snow.example/INC0001' }, 'resolved');
      expect((await api(server()).get(`/v1/findings/${id}`)).body.tickets).toMatchObject([{ key: 'INC0001', state: 'resolved' }]);
    } finally {
      socket.resume();
    }
    // The patch's answer read and kept, then served; the ticket's detail read again: never bypassed, the cache listened all along.
    expect(moved(start, await outcomes(server()))).toEqual({ 'detail miss': 2, 'detail hit': 1, 'list miss': 1 });
  });

  it('reads PostgreSQL and keeps nothing while not listening, and caches again once it listens again', async () => {
    const cache = testApp.app.get(FindingsCache);
    await list();
    expect(cache.size).toBeGreaterThan(0);
    // The listening connection killed, and kept from coming back until the checks are done (the pool keeps its connections).
    const maintenance = new Client({ connectionString: TEST_POSTGRES_URL });
    await maintenance.connect();
    await maintenance.query(`ALTER DATABASE "${testApp.databaseName}" ALLOW_CONNECTIONS false`);
    let during: number;
    try {
      const terminated = await sql.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
        [LISTENER_APPLICATION_NAME],
      );
      expect(terminated.rowCount).toBe(1);
      await until(
        async () => changes.listening,
        (listening) => !listening,
      );
      during = changes.generation;
      const start = await outcomes(server());
      // What is written meanwhile is read at once: nothing is served from memory.
      const id = (await list()).body.items[2].id;
      await sql.query(`UPDATE findings SET status = 'acknowledged' WHERE id = $1`, [id]);
      expect((await list()).body.items.find((item: { id: string }) => item.id === id).status).toBe('acknowledged');
      await api(server()).get(`/v1/findings/${id}`);
      await api(server()).get(`/v1/findings/${id}`);
      expect(cache.size).toBe(0);
      expect(moved(start, await outcomes(server()))).toEqual({ 'list bypass': 2, 'detail bypass': 2 });
    } finally {
      await maintenance.query(`ALTER DATABASE "${testApp.databaseName}" ALLOW_CONNECTIONS true`);
      await maintenance.end();
    }

    await until(
      async () => changes.listening,
      (listening) => listening,
    );
    expect(changes.generation).toBeGreaterThan(during);
    const back = await outcomes(server());
    await list();
    await list();
    expect(moved(back, await outcomes(server()))).toEqual({ 'list miss': 1, 'list hit': 1 });
  });

  it('takes a listening connection that stops answering as lost, and listens again', async () => {
    const socket = (changes as unknown as { client: { connection: { stream: Socket } } }).client.connection.stream;
    // Nothing more is read from the connection, as when its host or the network went away without closing it;
    // and it is kept from listening again on a new one until the read is done (the pool keeps its connections).
    const maintenance = new Client({ connectionString: TEST_POSTGRES_URL });
    await maintenance.connect();
    await maintenance.query(`ALTER DATABASE "${testApp.databaseName}" ALLOW_CONNECTIONS false`);
    socket.pause();
    try {
      await until(
        async () => changes.listening,
        (listening) => !listening,
        20_000,
      );
      const start = await outcomes(server());
      await list();
      expect(moved(start, await outcomes(server()))).toEqual({ 'list bypass': 1 });
    } finally {
      socket.resume();
      await maintenance.query(`ALTER DATABASE "${testApp.databaseName}" ALLOW_CONNECTIONS true`);
      await maintenance.end();
    }
    await until(
      async () => changes.listening,
      (listening) => listening,
    );
  }, 30_000);
});

describe('the findings cache within its bound, and turned off', () => {
  it('keeps at most FINDINGS_CACHE_BYTES, dropping the least recently used', async () => {
    // Measured on an app with the default bound: one detail's text.
    const measuring = await openApp();
    let detailBytes: number;
    try {
      await measuring.writer.persist(measuring.targetId, observed(1));
      const [row] = await measuring.writer.dataSource.query(`SELECT id FROM findings`);
      const detail = await api(measuring.testApp.app.getHttpServer()).get(`/v1/findings/${row.id}`).unset('Accept-Encoding');
      detailBytes = Buffer.byteLength(detail.text) + row.id.length;
    } finally {
      await measuring.writer.close();
      await measuring.testApp.close();
    }

    const { testApp, targetId, writer } = await openApp({ FINDINGS_CACHE_BYTES: String(2 * detailBytes + detailBytes / 2) });
    try {
      const server = testApp.app.getHttpServer();
      const cache = testApp.app.get(FindingsCache);
      const changes = testApp.app.get(ChangeNotifications);
      const seen = changes.generation;
      await writer.persist(targetId, observed(3));
      await changes.changedSince(seen);
      const rows: Array<{ id: string }> = await writer.dataSource.query(`SELECT id FROM findings ORDER BY fingerprint`);
      const [a, b, c] = rows.map((row) => row.id);
      // The texts alone: no gzip kept beside them.
      const get = async (id: string | undefined) =>
        expect((await api(server).get(`/v1/findings/${id}`).unset('Accept-Encoding')).status).toBe(200);

      const start = await outcomes(server);
      await get(a);
      await get(b);
      await get(a);
      expect(cache.size).toBe(2);
      expect(cache.heldBytes).toBe(2 * detailBytes);
      await get(c); // b, the least recently used, goes
      expect(cache.size).toBe(2);
      await get(a);
      await get(b);
      expect(cache.heldBytes).toBeLessThanOrEqual(cache.maxBytes);
      expect(moved(start, await outcomes(server))).toEqual({ 'detail miss': 4, 'detail hit': 2 });
    } finally {
      await writer.close();
      await testApp.close();
    }
  });

  it('with FINDINGS_CACHE_BYTES=0 keeps nothing and does not listen', async () => {
    const { testApp, targetId, writer } = await openApp({ FINDINGS_CACHE_BYTES: '0' });
    try {
      const server = testApp.app.getHttpServer();
      await writer.persist(targetId, observed(2));
      const start = await outcomes(server);
      const first = await api(server).get(`/v1/findings?targetId=${targetId}`);
      expect(first.body.items).toHaveLength(2);
      await writer.dataSource.query(`UPDATE findings SET status = 'acknowledged'`);
      const second = await api(server).get(`/v1/findings?targetId=${targetId}`);
      expect(second.body.items.map((item: { status: string }) => item.status)).toEqual(['acknowledged', 'acknowledged']);
      await api(server).get(`/v1/findings/${first.body.items[0].id}`);
      expect(testApp.app.get(FindingsCache).size).toBe(0);
      expect(moved(start, await outcomes(server))).toEqual({ 'list bypass': 2, 'detail bypass': 1 });
      const listeners = await writer.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
        [LISTENER_APPLICATION_NAME],
      );
      expect(listeners[0].n).toBe(0);
    } finally {
      await writer.close();
      await testApp.close();
    }
  });
});

describe('findings pages and details in gzip', () => {
  /** The response as it left the server, its body not decoded. */
  const send = (testApp: TestApp, url: string, acceptEncoding?: string) =>
    testApp.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }) },
    });

  it('sends gzip to a client that accepts it, compressed once and kept beside the text within the bound', async () => {
    const { testApp, targetId, writer } = await openApp();
    try {
      const cache = testApp.app.get(FindingsCache);
      const changes = testApp.app.get(ChangeNotifications);
      const seen = changes.generation;
      await writer.persist(targetId, observed(8));
      await changes.changedSince(seen);
      const page = `/v1/findings?targetId=${targetId}&limit=50`;

      const plain = await send(testApp, page);
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['vary']).toBe('accept-encoding');
      expect(plain.rawPayload.length).toBeGreaterThan(MIN_GZIP_BYTES);
      const heldPlain = cache.heldBytes;

      const start = await outcomes(testApp.app.getHttpServer());
      const coded = await send(testApp, page, 'gzip, deflate, br');
      expect(coded.statusCode).toBe(200);
      expect(coded.headers['content-encoding']).toBe('gzip');
      expect(coded.headers['vary']).toBe('accept-encoding');
      expect(coded.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(coded.headers['content-length'])).toBe(coded.rawPayload.length);
      expect(coded.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
      expect(gunzipSync(coded.rawPayload).equals(plain.rawPayload)).toBe(true);
      // Kept: the same gzip bytes again, its weight counted against the bound.
      expect(cache.heldBytes).toBe(heldPlain + coded.rawPayload.length);
      const again = await send(testApp, page, 'gzip');
      expect(again.rawPayload.equals(coded.rawPayload)).toBe(true);
      expect(cache.heldBytes).toBe(heldPlain + coded.rawPayload.length);
      expect(moved(start, await outcomes(testApp.app.getHttpServer()))).toEqual({ 'list hit': 2 });

      const id = JSON.parse(plain.payload).items[0].id as string;
      const detail = await send(testApp, `/v1/findings/${id}`);
      const detailCoded = await send(testApp, `/v1/findings/${id}`, 'gzip');
      expect(detailCoded.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(detailCoded.rawPayload).equals(detail.rawPayload)).toBe(true);

      // A write: the next read is the changed finding, in gzip too.
      const before = changes.generation;
      await writer.dataSource.query(`UPDATE findings SET status = 'acknowledged' WHERE id = $1`, [id]);
      await changes.changedSince(before);
      const changed = await send(testApp, `/v1/findings/${id}`, 'gzip');
      expect(JSON.parse(gunzipSync(changed.rawPayload).toString()).status).toBe('acknowledged');
    } finally {
      await writer.close();
      await testApp.close();
    }
  });

  it.each([
    ['no Accept-Encoding', undefined, 'identity'],
    ['identity only', 'identity', 'identity'],
    ['only codings it does not offer', 'br, deflate', 'identity'],
    ['gzip refused (q=0) beside any other', 'gzip;q=0, *', 'identity'],
    ['identity preferred to gzip', 'gzip;q=0.5, identity', 'identity'],
    ['nothing acceptable at all (the header disregarded)', 'identity;q=0, gzip;q=0', 'identity'],
    ['identity first, gzip as welcome', 'identity, gzip', 'gzip'],
    ['both at one weight', 'identity;q=0.5, gzip;q=0.5', 'gzip'],
    ['other codings first', 'br, identity, gzip', 'gzip'],
    ['any coding', '*', 'gzip'],
    ['the name in capitals', 'GZIP', 'gzip'],
  ])('for %s (%s) sends the page as %s', async (_case, acceptEncoding, coding) => {
    const { testApp, targetId, writer } = await openApp();
    try {
      await writer.persist(targetId, observed(8));
      const response = await send(testApp, `/v1/findings?targetId=${targetId}`, acceptEncoding);
      expect(response.statusCode).toBe(200);
      expect(response.headers['vary']).toBe('accept-encoding');
      expect(response.headers['content-encoding']).toBe(coding === 'gzip' ? 'gzip' : undefined);
      const text = coding === 'gzip' ? gunzipSync(response.rawPayload).toString() : response.payload;
      expect(JSON.parse(text).items).toHaveLength(8);
    } finally {
      await writer.close();
      await testApp.close();
    }
  });

  it('holds a text whose gzip would not fit beside it within the bound, and keeps the other entries', async () => {
    // Measured on an app with the default bound: a detail's text with its key, and its gzip.
    const measuring = await openApp();
    let textBytes: number;
    let gzipBytes: number;
    try {
      await measuring.writer.persist(measuring.targetId, observed(1));
      const [row] = await measuring.writer.dataSource.query(`SELECT id FROM findings`);
      const plain = await send(measuring.testApp, `/v1/findings/${row.id}`);
      const coded = await send(measuring.testApp, `/v1/findings/${row.id}`, 'gzip');
      textBytes = plain.rawPayload.length + row.id.length;
      gzipBytes = coded.rawPayload.length;
    } finally {
      await measuring.writer.close();
      await measuring.testApp.close();
    }

    // Room for the text and a short page beside it (about a hundred bytes), not for the text with
    // its gzip (about a kilobyte): half the gzip's size between, as the gzip of the same detail of
    // another finding (another id) differs by a few bytes.
    const { testApp, targetId, writer } = await openApp({ FINDINGS_CACHE_BYTES: String(textBytes + Math.floor(gzipBytes / 2)) });
    try {
      const cache = testApp.app.get(FindingsCache);
      const changes = testApp.app.get(ChangeNotifications);
      const seen = changes.generation;
      await writer.persist(targetId, observed(1));
      await changes.changedSince(seen);
      const [row] = await writer.dataSource.query(`SELECT id FROM findings`);
      const empty = await send(testApp, `/v1/findings?targetId=${randomUUID()}`);
      expect(JSON.parse(empty.payload).items).toEqual([]);
      await send(testApp, `/v1/findings/${row.id}`);
      expect(cache.size).toBe(2);
      const held = cache.heldBytes;

      const start = await outcomes(testApp.app.getHttpServer());
      const coded = await send(testApp, `/v1/findings/${row.id}`, 'gzip');
      const again = await send(testApp, `/v1/findings/${row.id}`, 'gzip');
      expect(coded.headers['content-encoding']).toBe('gzip');
      expect(again.rawPayload.equals(coded.rawPayload)).toBe(true);
      // Both entries still held, without the gzip that would not fit: answered from the cache, compressed each time.
      expect(cache.size).toBe(2);
      expect(cache.heldBytes).toBe(held);
      expect(moved(start, await outcomes(testApp.app.getHttpServer()))).toEqual({ 'detail hit': 2 });
    } finally {
      await writer.close();
      await testApp.close();
    }
  });

  it('compresses with the cache off too, and leaves a short body as it is', async () => {
    const { testApp, targetId, writer } = await openApp({ FINDINGS_CACHE_BYTES: '0' });
    try {
      await writer.persist(targetId, observed(8));
      const coded = await send(testApp, `/v1/findings?targetId=${targetId}`, '*');
      expect(coded.headers['content-encoding']).toBe('gzip');
      expect(JSON.parse(gunzipSync(coded.rawPayload).toString()).items).toHaveLength(8);
      const empty = await send(testApp, `/v1/findings?targetId=${randomUUID()}`, 'gzip');
      expect(empty.rawPayload.length).toBeLessThan(MIN_GZIP_BYTES);
      expect(empty.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(empty.payload)).toEqual({ items: [], nextCursor: null });
      expect(testApp.app.get(FindingsCache).size).toBe(0);
    } finally {
      await writer.close();
      await testApp.close();
    }
  });
});
