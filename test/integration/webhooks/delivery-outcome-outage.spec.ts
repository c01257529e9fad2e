import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../support/app/analysis-api';
import { ADMIN_KEY, dropResources, startApi, startWorker, type RunningApi, type RunningWorker } from '../../support/app/integration-app';
import { testDatabaseUrl } from '../../support/app/test-database';
import { until } from '../../support/app/until';
import { WebhookReceiver } from '../../support/http/webhook-receiver';
import { FreezableProxy } from '../../support/net/freezable-proxy';

/**
 * PostgreSQL goes away just as a receiver answers: the delivery happened, and the worker must
 * record it once PostgreSQL is back rather than fail its job and send the request again.
 */
describe('a delivery whose outcome cannot be written at once', () => {
  let running: RunningApi;
  let worker: RunningWorker;
  let proxy: FreezableProxy;
  let receiver: WebhookReceiver;
  let db: Client;

  beforeAll(async () => {
    running = await startApi({ env: { SGDOCTOR_WITH_WORKER: 'false' } });
    const server = new URL(running.config.database.url);
    proxy = await FreezableProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    worker = await startWorker(running.resources, {
      DATABASE_URL: proxy.urlFor(testDatabaseUrl(running.resources.databaseName)),
      DB_MIGRATIONS_RUN: 'false',
      DB_CONNECT_TIMEOUT_MS: '1000',
    });
    db = new Client({ connectionString: running.config.database.url });
    await db.connect();
  });

  afterAll(async () => {
    proxy?.restore();
    await worker?.close();
    await running?.close();
    await proxy?.close();
    await receiver?.close();
    await db?.end();
    if (running) await dropResources(running.resources);
  });

  it('is sent once when PostgreSQL stops as the receiver answers and is back 3 s later', async () => {
    receiver = await WebhookReceiver.start((_request, index) => {
      if (index === 0) {
        // The worker can write nothing from now on, for 3 s: as if PostgreSQL were restarted.
        proxy.cut();
        setTimeout(() => proxy.restore(), 3000);
      }
      return { status: 204 };
    });
    const http = api(running.app.getHttpServer(), ADMIN_KEY);
    const hook = await http.post('/v1/webhooks', { url: receiver.url('/hook'), events: ['finding.resolved'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const ping = await http.post(`/v1/webhooks/${hook.body.id}/test`);
    expect(ping.status, JSON.stringify(ping.body)).toBe(202);

    const deliveries = () =>
      db
        .query(`SELECT status, attempts FROM webhook_deliveries WHERE subscription_id = $1`, [hook.body.id])
        .then((result) => result.rows as Array<{ status: string; attempts: number }>);
    expect(await until(deliveries, (rows) => rows.length === 1 && rows[0]!.status !== 'pending', 30_000, 200)).toEqual([
      { status: 'succeeded', attempts: 1 },
    ]);
    // Nothing more is sent afterwards either.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests).toHaveLength(1);
    const attempts = await db.query(
      `SELECT a.attempt, a.status_code FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = $1`,
      [hook.body.id],
    );
    expect(attempts.rows).toEqual([{ attempt: 1, status_code: 204 }]);
  });
});
