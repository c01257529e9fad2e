import type { WorkerHost } from '@nestjs/bullmq';
import { connectionErrors } from './connection-error-log';

/**
 * Stops a processor taking new jobs and waits for those in hand. Called from
 * `beforeApplicationShutdown`, which Nest runs before any `onApplicationShutdown`: the database
 * pool, the queues' connections and the delivery leases those jobs need close only afterwards.
 */
export async function drainWorker(host: WorkerHost): Promise<void> {
  const worker = (host as unknown as { _worker?: WorkerHost['worker'] })._worker;
  await worker?.close();
}

/** Routes a processor's worker `error` events to the shared ConnectionErrorLog. */
export function listenToWorkerErrors(host: WorkerHost, queue: string): void {
  host.worker.on('error', (error) => connectionErrors.report(`worker ${queue}`, error));
}
