import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runStepsInTurns } from '../../../src/common/lifecycle/run-steps-in-turns';
import { runSteps, type Steps } from '../../../src/engine/steps';
import { redisOptionsFromUrl } from '../../../src/queues/redis-connection-options';
import { uniqueTestName } from '../../support/app/test-database';
import { deleteRedisPrefix } from '../../support/app/test-redis';

const LOCK_MS = 2_000;
/** Three lock durations of computing: what the stalled check takes back unless the lock is renewed meanwhile. */
const BUSY_MS = 6_000;
const SLICE_MS = 10;

/** Computes without yielding for `ms`: no timer, no I/O, no lock renewal in the meantime. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

/** BUSY_MS of computing in SLICE_MS slices, as the diagnosis is (diagnoseSteps); returns how many slices ran. */
function* computing(): Steps<number> {
  let slices = 0;
  for (const end = performance.now() + BUSY_MS; performance.now() < end; slices++) {
    blockFor(SLICE_MS);
    yield;
  }
  return slices;
}

type Drive = (steps: Steps<number>) => Promise<number>;

/**
 * One queue, two workers with a short lock, and one job whose work computes for three lock
 * durations, its slices driven by `drive`: how many times the job started, completed and failed.
 */
async function runComputingJob(prefix: string, name: string, drive: Drive): Promise<{ starts: number; completed: number; failed: number }> {
  const connection = redisOptionsFromUrl('redis://127.0.0.1:6379');
  const queue = new Queue(name, { connection, prefix });
  const events = new QueueEvents(name, { connection, prefix });
  await events.waitUntilReady();
  let starts = 0;
  let completed = 0;
  let failed = 0;
  const processor = async () => {
    starts += 1;
    // Let the worker finish taking the job before computing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return drive(computing());
  };
  const options = { connection, prefix, lockDuration: LOCK_MS, stalledInterval: 500, maxStalledCount: 5 };
  const first = new Worker(name, processor, options);
  first.on('error', () => {});
  await first.waitUntilReady();
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
  while (completed === 0 && starts === 1 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  // Time for a second run or a stalled move to show up after a completion.
  if (starts === 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
  await Promise.all([first.close(true), second.close(true)]);
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { starts, completed, failed };
}

describe('a job that computes for longer than its lock', () => {
  let prefix: string;
  beforeAll(() => {
    prefix = uniqueTestName('lock-in-turns');
  });
  afterAll(() => deleteRedisPrefix(prefix));

  it('runs exactly once when its slices run in turns (runStepsInTurns): the worker renews the lock between them', async () => {
    const result = await runComputingJob(prefix, 'lock-in-turns', (steps) => runStepsInTurns(steps));
    expect(result).toEqual({ starts: 1, completed: 1, failed: 0 });
  }, 60_000);

  it('runs again when the same slices hold the event loop from first to last (the failure the turns prevent)', async () => {
    const result = await runComputingJob(prefix, 'lock-held', (steps) => Promise.resolve(runSteps(steps)));
    expect(result.starts).toBeGreaterThan(1);
  }, 60_000);
});
