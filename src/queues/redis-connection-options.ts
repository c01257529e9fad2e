/** The connection settings both ioredis and BullMQ accept. */
export interface RedisConnectionSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
  retryStrategy: (attempt: number) => number;
}

/**
 * ioredis options from a redis:// or rediss:// URL. Every client (queues, workers, health)
 * starts from these, so credentials, TLS and database index are read in one place.
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
  };
}
