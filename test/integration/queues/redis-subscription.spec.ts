import * as net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { keepSubscribed } from '../../../src/queues/redis-subscription';
import { TEST_REDIS_URL, uniqueTestName } from '../../support/app/test-database';
import { until } from '../../support/app/until';

describe('keepSubscribed on a real Redis', () => {
  const clients: Redis[] = [];
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  let publisher: Redis;

  const subscriber = (): Redis => {
    const redis = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), lazyConnect: true, autoResubscribe: false });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };

  beforeAll(() => {
    publisher = new Redis(TEST_REDIS_URL);
    process.on('unhandledRejection', record);
  });

  afterEach(() => {
    for (const redis of clients.splice(0)) redis.disconnect();
  });

  afterAll(() => {
    process.off('unhandledRejection', record);
    publisher.disconnect();
  });

  it('refuses a client that ioredis would resubscribe itself', () => {
    const redis = new Redis({ ...redisOptionsFromUrl(TEST_REDIS_URL), lazyConnect: true });
    clients.push(redis);
    expect(() => keepSubscribed(redis, 'any')).toThrow(/autoResubscribe: false/);
  });

  it('connects, subscribes, and subscribes again on every new connection', async () => {
    const channel = `${uniqueTestName('redis')}:subscription`;
    const redis = subscriber();
    const received: string[] = [];
    redis.on('message', (_channel: string, message: string) => received.push(message));
    await keepSubscribed(redis, channel);
    await publisher.publish(channel, 'first');
    await until(
      async () => received,
      (r) => r.includes('first'),
      5000,
      20,
    );

    for (let reconnect = 1; reconnect <= 3; reconnect += 1) {
      const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
      redis.disconnect(true);
      await ready;
      let sent = 0;
      await until(
        async () => {
          await publisher.publish(channel, `after-${reconnect}-${(sent += 1)}`);
          return received;
        },
        (r) => r.some((message) => message.startsWith(`after-${reconnect}-`)),
        5000,
        50,
      );
    }
    expect(redis.status).toBe('ready');
  });

  it('leaves no unhandled rejection when a connection closes before Redis answers its SUBSCRIBE', async () => {
    // A server that answers SUBSCRIBE on its first connection and nothing on the later ones: the
    // client's next connection sends SUBSCRIBE and is closed while it waits for the answer.
    const channel = 'sgdoctor:subscription';
    const received: Buffer[][] = [];
    const server = net.createServer((socket) => {
      const commands: Buffer[] = [];
      const answering = received.length === 0;
      received.push(commands);
      socket.on('data', (data) => {
        commands.push(data);
        if (answering && /subscribe/i.test(data.toString())) {
          socket.write(`*3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      disableClientInfo: true,
      autoResubscribe: false,
      retryStrategy: () => 10,
    });
    redis.on('error', () => undefined);
    clients.push(redis);
    try {
      await keepSubscribed(redis, channel);
      redis.disconnect(true);
      await until(
        async () => received,
        (connections) => connections.length === 2 && connections[1]!.some((data) => /subscribe/i.test(data.toString())),
        5000,
        10,
      );
      const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
      redis.disconnect();
      await ended;
      // Rejections are reported after the microtasks that could still have handled them.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
