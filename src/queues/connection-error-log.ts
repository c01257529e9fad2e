import { Logger } from '@nestjs/common';

/** At most one line per source in this long while a connection keeps failing. */
const QUIET_MS = 30_000;

/**
 * Logs Redis connection errors of queues and workers as warnings, once per source every 30 s.
 * BullMQ prints an `error` event that has no listener raw to stderr, once per reconnect attempt;
 * a listener here keeps an outage to a few structured lines.
 */
export class ConnectionErrorLog {
  private readonly logger = new Logger('Redis');
  private readonly lastLogged = new Map<string, number>();

  report(source: string, error: unknown): void {
    const now = performance.now();
    const last = this.lastLogged.get(source);
    if (last !== undefined && now - last < QUIET_MS) return;
    this.lastLogged.set(source, now);
    this.logger.warn(
      `${source}: ${error instanceof Error ? error.message : String(error)} (retrying; repeats are not logged for ${QUIET_MS / 1000} s)`,
    );
  }
}

/** The one instance the queues and workers of a process share. */
export const connectionErrors = new ConnectionErrorLog();
