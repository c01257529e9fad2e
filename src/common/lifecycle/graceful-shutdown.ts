import type { LoggerService } from '@nestjs/common';
import { exitWhenDrained } from './exit-when-drained';

interface Closeable {
  close(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: close the application (stop accepting requests and jobs, let the jobs in
 * hand finish while the connections they need stay open, then close pools) and exit 0. If
 * closing takes longer than `timeoutMs`, still exit 0: a stop that was asked for is not a crash,
 * and a job still running is picked up elsewhere like a killed worker's (BullMQ's stalled-job
 * check, and the reconciler for what that misses).
 */
export function installGracefulShutdown(app: Closeable, logger: LoggerService, timeoutMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down`, 'Shutdown');
    const watchdog = setTimeout(() => {
      logger.warn(`shutdown did not finish within ${timeoutMs} ms; exiting, work in hand is left to other workers`, 'Shutdown');
      process.exit(0);
    }, timeoutMs);
    watchdog.unref();
    app.close().then(
      () => {
        clearTimeout(watchdog);
        exitWhenDrained(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`, undefined, 'Shutdown');
        exitWhenDrained(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
