import { Worker as Thread } from 'node:worker_threads';
import type { Job, Worker } from 'bullmq';

/**
 * Runs in a thread of its own: extends the locks of the jobs it is told about, with BullMQ's own
 * `Job.extendLock`, on its own Redis connection, at once and then every `every` ms. The thread's
 * event loop is free while the worker's main thread computes, so a lock outlives a long
 * synchronous stage.
 */
const KEEPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Queue, Job } = require(workerData.bullmq);
const queue = new Queue(workerData.queue, { connection: workerData.connection, prefix: workerData.prefix });
queue.on('error', () => {});
queue.waitUntilReady().then(() => parentPort.postMessage({ ready: true }), () => {});
const kept = new Map();
async function extend(jobId, token) {
  try {
    const job = await Job.fromId(queue, jobId);
    if (job && kept.get(jobId) === token) await job.extendLock(token, workerData.lockDuration);
  } catch (error) {
    parentPort.postMessage({ error: jobId + ': ' + String(error) });
  }
}
const timer = setInterval(() => { for (const [jobId, token] of kept) void extend(jobId, token); }, workerData.every);
parentPort.on('message', async (message) => {
  if (message.keep) {
    kept.set(message.keep, message.token);
    await extend(message.keep, message.token);
  } else if (message.release) {
    kept.delete(message.release);
  } else if (message.close) {
    clearInterval(timer);
    await queue.close().catch(() => {});
    parentPort.close();
  }
});
`;

/**
 * Keeps the locks of a worker's jobs from a separate thread, in addition to the worker's own
 * renewal (which runs only when the main thread's event loop is free): a stage that computes for
 * longer than the lock duration without yielding then neither loses its job to the stalled check
 * nor makes it run a second time. One thread per worker, started before its jobs.
 */
export class JobLockKeeper {
  private readonly thread: Thread;
  /** Resolves once the thread is connected to Redis. */
  readonly ready: Promise<void>;

  constructor(worker: Worker, onError: (message: string) => void = () => undefined) {
    const lockDuration = worker.opts.lockDuration ?? 30_000;
    const connection = worker.opts.connection as unknown as Record<string, unknown>;
    this.thread = new Thread(KEEPER_SOURCE, {
      eval: true,
      workerData: {
        bullmq: require.resolve('bullmq'),
        queue: worker.name,
        prefix: worker.opts.prefix,
        // The plain settings only: a function (the retry strategy) cannot cross into a thread.
        connection: Object.fromEntries(Object.entries(connection).filter(([, value]) => typeof value !== 'function')),
        lockDuration,
        every: Math.max(100, Math.floor(lockDuration / 3)),
      },
    });
    this.thread.unref();
    this.ready = new Promise((resolve) => {
      this.thread.on('message', (message: { error?: string; ready?: boolean }) => {
        if (message.ready) resolve();
        if (message.error) onError(message.error);
      });
      this.thread.once('exit', () => resolve());
    });
    this.thread.on('error', (error) => onError(String(error)));
  }

  /** Runs `work` with `job`'s lock kept until it ends. */
  async keep<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    if (!token || job.id === undefined) return work();
    this.thread.postMessage({ keep: job.id, token });
    try {
      return await work();
    } finally {
      this.thread.postMessage({ release: job.id });
    }
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
    this.thread.postMessage({ close: true });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    await this.thread.terminate();
  }
}
