import { readFileSync } from 'node:fs';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { JobLockKeeper } from '../../../src/queues/job-lock-keeper';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { uniqueTestName } from '../../support/app/test-database';
import { deleteRedisPrefix } from '../../support/app/test-redis';

const LOCK_MS = 2_000;
const BUSY_MS = 6_000;

/** Computes without yielding for `ms`, as a large synchronous correlate does. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: no timer, no lock renewal on this thread
  }
}

/** One queue, two workers with a short lock: a job whose work blocks the event loop for three lock durations. */
async function runBlockingJob(prefix: string, keep: boolean): Promise<{ starts: number; completed: number; failed: number }> {
  const connection = redisOptionsFromUrl('redis://127.0.0.1:6379');
  const name = `lock-${keep ? 'kept' : 'lost'}`;
  const queue = new Queue(name, { connection, prefix });
  const events = new QueueEvents(name, { connection, prefix });
  await events.waitUntilReady();
  let starts = 0;
  let completed = 0;
  let failed = 0;
  const processor = async (job: Job, token?: string) => {
    starts += 1;
    const work = async () => {
      // Let the worker finish taking the job before blocking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      blockFor(BUSY_MS);
      return 'done';
    };
    return keeper ? keeper.keep(job, token, work) : work();
  };
  const options = { connection, prefix, lockDuration: LOCK_MS, stalledInterval: 500, maxStalledCount: 5 };
  const first: Worker = new Worker(name, processor, options);
  first.on('error', () => {});
  await first.waitUntilReady();
  const keeper = keep ? new JobLockKeeper(first) : null;
  events.on('completed', () => {
    completed += 1;
  });
  events.on('failed', () => {
    failed += 1;
  });
  await queue.add('run', {}, { jobId: 'job-1', attempts: 3 });
  // Wait until the first worker has the job, then start a second that would take a stalled one.
  while (starts === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const second = new Worker(name, processor, options);
  second.on('error', () => {});
  const deadline = performance.now() + BUSY_MS * 4;
  while (completed === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  // Time for a second run or a stalled move to show up.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await Promise.all([first.close(true), second.close(true)]);
  await keeper?.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { starts, completed, failed };
}

/** The threads of this process, as Linux counts them. */
function threadCount(): number {
  return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}

describe('a job that computes longer than its lock', () => {
  let prefix: string;
  beforeAll(() => {
    prefix = uniqueTestName('lock-keeper');
  });
  afterAll(() => deleteRedisPrefix(prefix));

  it('runs exactly once when its lock is kept from another thread', async () => {
    const result = await runBlockingJob(prefix, true);
    expect(result).toEqual({ starts: 1, completed: 1, failed: 0 });
  }, 60_000);

  it('without the keeper the same job loses its lock and runs again (the failure the keeper prevents)', async () => {
    const result = await runBlockingJob(prefix, false);
    expect(result.starts).toBeGreaterThan(1);
  }, 60_000);

  it('runs its thread only while it keeps a job', async () => {
    const connection = redisOptionsFromUrl('redis://127.0.0.1:6379');
    const worker = { name: 'lock-idle', opts: { connection, prefix, lockDuration: LOCK_MS } } as unknown as Worker;
    const keeper = new JobLockKeeper(worker);
    const idle = threadCount();
    const during = await keeper.keep({ id: 'job-1' } as Job, 'token', () => Promise.resolve(threadCount()));
    expect(during).toBeGreaterThan(idle);
    const deadline = performance.now() + 5_000;
    while (threadCount() > idle && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(threadCount()).toBe(idle);
    await keeper.close();
  }, 30_000);
});
