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

/** The keeper thread's young generation: it holds a Redis connection and a few timers, not data. */
const KEEPER_YOUNG_GENERATION_MB = 2;

interface KeeperThread {
  thread: Thread;
  /** Resolves once the thread is connected to Redis (or has exited). */
  ready: Promise<void>;
}

/**
 * Keeps the locks of a worker's jobs from a separate thread, in addition to the worker's own
 * renewal (which runs only when the main thread's event loop is free): a stage that computes for
 * longer than the lock duration without yielding then neither loses its job to the stalled check
 * nor makes it run a second time. The thread (a V8 heap of its own, about 30 MB) runs only while
 * it keeps a job: started by the first, stopped when the last ends.
 */
export class JobLockKeeper {
  private running: KeeperThread | undefined;
  private stopping: Promise<void> = Promise.resolve();
  private keeping = 0;

  constructor(
    private readonly worker: Worker,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  /** Runs `work` with `job`'s lock kept until it ends; `work` starts once the thread is connected. */
  async keep<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    if (!token || job.id === undefined) return work();
    this.keeping += 1;
    try {
      const keeper = await this.started();
      keeper.thread.postMessage({ keep: job.id, token });
      await keeper.ready;
      try {
        return await work();
      } finally {
        keeper.thread.postMessage({ release: job.id });
      }
    } finally {
      this.keeping -= 1;
      if (this.keeping === 0) this.stopping = this.stop();
    }
  }

  /** Stops the thread if it runs; waits for one being stopped. */
  async close(): Promise<void> {
    this.stopping = this.stop();
    await this.stopping;
  }

  private async started(): Promise<KeeperThread> {
    await this.stopping;
    this.running ??= this.start();
    return this.running;
  }

  private start(): KeeperThread {
    const lockDuration = this.worker.opts.lockDuration ?? 30_000;
    const connection = this.worker.opts.connection as unknown as Record<string, unknown>;
    const thread = new Thread(KEEPER_SOURCE, {
      eval: true,
      resourceLimits: { maxYoungGenerationSizeMb: KEEPER_YOUNG_GENERATION_MB },
      workerData: {
        bullmq: require.resolve('bullmq'),
        queue: this.worker.name,
        prefix: this.worker.opts.prefix,
        // The plain settings only: a function (the retry strategy) cannot cross into a thread.
        connection: Object.fromEntries(Object.entries(connection).filter(([, value]) => typeof value !== 'function')),
        lockDuration,
        every: Math.max(100, Math.floor(lockDuration / 3)),
      },
    });
    thread.unref();
    const ready = new Promise<void>((resolve) => {
      thread.on('message', (message: { error?: string; ready?: boolean }) => {
        if (message.ready) resolve();
        if (message.error) this.onError(message.error);
      });
      thread.once('exit', () => resolve());
    });
    thread.on('error', (error) => this.onError(String(error)));
    return { thread, ready };
  }

  private async stop(): Promise<void> {
    const keeper = this.running;
    if (!keeper) return;
    this.running = undefined;
    const exited = new Promise<void>((resolve) => keeper.thread.once('exit', () => resolve()));
    keeper.thread.postMessage({ close: true });
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    await keeper.thread.terminate();
  }
}
