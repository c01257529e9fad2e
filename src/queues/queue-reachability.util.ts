import type { Queue } from 'bullmq';
import { DependencyUnavailableError } from '../common/errors/dependency-unavailable.error';

/** How long a request may wait on Redis before it is told 503. */
export const QUEUE_DEADLINE_MS = 1000;

/**
 * Runs `work` on the queue only while its Redis connection is up, within `deadlineMs`; otherwise
 * throws DependencyUnavailableError('redis') at once. BullMQ's producer connection queues
 * commands while it reconnects and would hold a request for as long as that takes; this never
 * issues a command to a connection that is not ready, so nothing is left to run later.
 */
export async function whileQueueReachable<T>(
  queue: Queue,
  what: string,
  work: () => Promise<T>,
  deadlineMs = QUEUE_DEADLINE_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DependencyUnavailableError('redis', what)), deadlineMs);
  });
  try {
    const client = await Promise.race([queue.backend.client, deadline]);
    if ((client as { status?: string }).status !== 'ready') throw new DependencyUnavailableError('redis', what);
    return await Promise.race([work(), deadline]);
  } catch (error) {
    if (error instanceof DependencyUnavailableError) throw error;
    throw new DependencyUnavailableError('redis', what, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
