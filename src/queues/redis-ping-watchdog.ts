/** How often an otherwise idle connection is asked for a PING. */
export const REDIS_PING_INTERVAL_MS = 5000;

/** The part of an ioredis client (or BullMQ's wrapper of one) the watchdog uses. */
export interface PingableRedis {
  readonly status: string;
  ping(): Promise<unknown>;
}

/**
 * Keeps a command going on Redis connections that can sit idle (a subscriber, a queue only
 * requests use, the health client), so that one Redis stopped answering is noticed before a
 * request needs it: a PING every `intervalMs` while a client is connected, one at a time per
 * client. The watchdog drops nothing itself: an unanswered PING is left to the client's
 * `socketTimeout` (REDIS_UNANSWERED_TIMEOUT_MS, set by redisOptionsFromUrl), which closes the
 * connection and so makes ioredis open a new one. Errors are ignored: whoever uses the client
 * reports them.
 */
export class RedisPingWatchdog {
  private readonly clients = new Set<PingableRedis>();
  private readonly pinging = new Set<PingableRedis>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = REDIS_PING_INTERVAL_MS) {}

  watch(client: PingableRedis): this {
    this.clients.add(client);
    if (!this.timer) {
      this.timer = setInterval(() => this.pingAll(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clients.clear();
  }

  /** One round: a PING to each connected client whose previous PING was answered (or failed). */
  pingAll(): void {
    for (const client of this.clients) {
      if (client.status !== 'ready' || this.pinging.has(client)) continue;
      this.pinging.add(client);
      client
        .ping()
        .catch(() => undefined)
        .finally(() => this.pinging.delete(client));
    }
  }
}
