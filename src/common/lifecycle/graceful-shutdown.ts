import type { LoggerService } from '@nestjs/common';

interface Closeable {
  close(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT: close the application (stop accepting requests and jobs, let the job in
 * hand finish, close pools) and exit 0. If closing takes longer than `timeoutMs`, exit 1; a job
 * still running then is released by BullMQ's stalled-job check and retried elsewhere.
 */
export function installGracefulShutdown(app: Closeable, logger: LoggerService, timeoutMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down`, 'Shutdown');
    const watchdog = setTimeout(() => {
      logger.error(`shutdown did not finish within ${timeoutMs} ms; exiting`, undefined, 'Shutdown');
      process.exit(1);
    }, timeoutMs);
    watchdog.unref();
    app.close().then(
      () => {
        clearTimeout(watchdog);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`, undefined, 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
