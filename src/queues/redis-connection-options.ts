/**
 * How long a connection may leave a command unanswered before it is dropped and opened again
 * (ioredis `socketTimeout`: counted from the first command still waiting, restarted by any byte
 * received). A connection that Redis, or the network on the way, stopped answering without
 * closing it (a failover to a new address, a NAT or firewall that lost the connection's state)
 * would otherwise wait until the OS gives up on it, about 15 minutes. It must exceed the longest
 * wait a command itself asks Redis for: a worker's BZPOPMIN blocks for at most 10 s (BullMQ's
 * cap with delayed jobs, its default drainDelay of 5 s without; a worker must not set a longer
 * drainDelay), and BullMQ resets a blocking connection 1 s after that on its own.
 */
export const REDIS_UNANSWERED_TIMEOUT_MS = 15_000;

/** The connection settings both ioredis and BullMQ accept. */
export interface RedisConnectionSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
  retryStrategy: (attempt: number) => number;
  socketTimeout: number;
}

/**
 * ioredis options from a redis:// or rediss:// URL. Every client (queues, workers, health)
 * starts from these, so credentials, TLS, database index and the handling of a connection that
 * stops answering are set in one place.
 */
export function redisOptionsFromUrl(url: string): RedisConnectionSettings {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // Reconnect forever with a capped delay: Redis coming back must heal every client.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    socketTimeout: REDIS_UNANSWERED_TIMEOUT_MS,
  };
}
