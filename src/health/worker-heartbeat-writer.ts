import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { WorkerHeartbeatRecord } from './worker-heartbeat';

/** Longest a connection may take to report its state before it counts as not ready. */
const CONNECTION_STATE_TIMEOUT_MS = 2000;

export interface WorkerHeartbeatWriterOptions {
  /** A client of its own that fails at once while Redis is away (no offline queue). */
  redis: Redis;
  key: string;
  ttlMs: number;
  /** The process's BullMQ workers; may throw while they are not created yet. */
  workers: () => Worker[];
  pid?: number;
}

async function withinTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes the worker's heartbeat (a Redis key with a TTL) while, and only while, every BullMQ
 * worker of the process is running, not paused or closing, and both its connections are ready;
 * otherwise removes it. `node dist/worker-health.js` reads the key.
 */
export class WorkerHeartbeatWriter {
  constructor(private readonly options: WorkerHeartbeatWriterOptions) {}

  /** Why this process cannot take jobs now; empty when it can. */
  async problems(): Promise<string[]> {
    let workers: Worker[];
    try {
      workers = this.options.workers();
    } catch (error) {
      return [`workers not started: ${(error as Error).message}`];
    }
    if (workers.length === 0) return ['no BullMQ workers in this process'];
    const problems: string[] = [];
    for (const worker of workers) {
      if (worker.closing) problems.push(`${worker.name}: closing`);
      else if (!worker.isRunning()) problems.push(`${worker.name}: not running`);
      else if (worker.isPaused()) problems.push(`${worker.name}: paused`);
      else problems.push(...(await this.connectionProblems(worker)));
    }
    return problems;
  }

  /** Refreshes or removes the heartbeat; returns the problems that kept it from being written. */
  async beat(): Promise<string[]> {
    const problems = await this.problems();
    if (problems.length > 0) {
      await this.options.redis.del(this.options.key);
      return problems;
    }
    const record: WorkerHeartbeatRecord = {
      pid: this.options.pid ?? process.pid,
      queues: this.options.workers().map((worker) => worker.name),
    };
    await this.options.redis.set(this.options.key, JSON.stringify(record), 'PX', this.options.ttlMs);
    return [];
  }

  /** Removes the heartbeat at once (a stopping worker is not healthy). */
  async clear(): Promise<void> {
    await this.options.redis.del(this.options.key);
  }

  private async connectionProblems(worker: Worker): Promise<string[]> {
    const backend = worker.getBackend();
    const connections = [
      ['connection', backend.client],
      ['blocking connection', backend.blockingClient],
    ] as const;
    const problems: string[] = [];
    for (const [label, pending] of connections) {
      if (!pending) continue;
      const client = await withinTimeout(pending, CONNECTION_STATE_TIMEOUT_MS);
      if (client?.status !== 'ready') problems.push(`${worker.name}: ${label} ${client?.status ?? 'not established'}`);
    }
    return problems;
  }
}
