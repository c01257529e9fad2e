import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { RedisPingWatchdog } from '../../../src/queues/redis-ping-watchdog';
import { keepSubscribed } from '../../../src/queues/redis-subscription';
import { TEST_REDIS_URL, uniqueTestName } from '../../support/app/test-database';
import { until } from '../../support/app/until';
import { FreezableProxy } from '../../support/net/freezable-proxy';

/** Shortened from REDIS_UNANSWERED_TIMEOUT_MS so the test is quick; the mechanism is the same. */
const UNANSWERED_MS = 1000;
const PING_INTERVAL_MS = 250;

/**
 * Idle connections that Redis stopped answering (no FIN, no RST: the proxy passes nothing on
 * them, while new connections get through): a subscriber that only reads never sends a command
 * that could go unanswered. With the watchdog's PING its connection is dropped after the bound
 * and opened again, subscribed again; without it, it waits for ever.
 */
describe('RedisPingWatchdog on a real Redis', () => {
  let proxy: FreezableProxy;
  const clients: Redis[] = [];
  const watchdog = new RedisPingWatchdog(PING_INTERVAL_MS);
  const channel = `${uniqueTestName('redis')}:watchdog`;

  const client = (): Redis => {
    const redis = new Redis({ ...redisOptionsFromUrl(proxy.urlFor(TEST_REDIS_URL)), socketTimeout: UNANSWERED_MS, autoResubscribe: false });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  beforeAll(async () => {
    const server = new URL(TEST_REDIS_URL);
    proxy = await FreezableProxy.start({ host: server.hostname, port: Number(server.port || 6379) });
  });

  afterAll(async () => {
    watchdog.stop();
    for (const redis of clients) redis.disconnect();
    await proxy?.close();
  });

  it('replaces a silent subscriber connection, which then receives messages again', async () => {
    const watched = client();
    const unwatched = client();
    const received = { watched: [] as string[], unwatched: [] as string[] };
    watched.on('message', (_channel: string, message: string) => received.watched.push(message));
    unwatched.on('message', (_channel: string, message: string) => received.unwatched.push(message));
    await keepSubscribed(watched, channel);
    await keepSubscribed(unwatched, channel);
    watchdog.watch(watched);

    const publisher = new Redis(TEST_REDIS_URL);
    try {
      await publisher.publish(channel, 'before');
      await until(
        async () => received,
        (r) => r.watched.includes('before') && r.unwatched.includes('before'),
        5000,
        20,
      );

      expect(proxy.strand()).toBe(2);
      const stranded = performance.now();
      let sent = 0;
      await until(
        async () => {
          await publisher.publish(channel, `after-${(sent += 1)}`);
          return received.watched.filter((message) => message.startsWith('after-'));
        },
        (messages) => messages.length > 0,
        UNANSWERED_MS + PING_INTERVAL_MS + 5000,
        100,
      );
      const recoveredAfter = performance.now() - stranded;
      expect(recoveredAfter).toBeLessThan(UNANSWERED_MS + PING_INTERVAL_MS + 3000);
      expect(watched.status).toBe('ready');
      // The connection the unwatched subscriber still believes in never tells it anything again.
      expect(unwatched.status).toBe('ready');
      expect(received.unwatched).toEqual(['before']);
    } finally {
      publisher.disconnect();
    }
  });

  it('replaces a silent connection that nothing else uses, before anyone needs it', async () => {
    const idle = client();
    await idle.ping();
    watchdog.watch(idle);
    const reconnected = new Promise<void>((resolve) => idle.once('ready', () => resolve()));
    proxy.strand();
    const stranded = performance.now();
    await Promise.race([
      reconnected,
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('not reconnected')), UNANSWERED_MS + PING_INTERVAL_MS + 5000)),
    ]);
    expect(performance.now() - stranded).toBeLessThan(UNANSWERED_MS + PING_INTERVAL_MS + 3000);
    // The next command goes over the new connection at once.
    const started = performance.now();
    await expect(idle.ping()).resolves.toBe('PONG');
    expect(performance.now() - started).toBeLessThan(UNANSWERED_MS);
  });
});
