import { Job, UnrecoverableError, type MinimalQueue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dispatchJob, parseJobPayload, type JobHandlers } from '../../../src/queues/job-dispatch.util';

/** A real Job; the queue part is only what the constructor reads, since nothing here talks to Redis. */
function job(name: string, data: unknown = {}): Job {
  const queue = { qualifiedName: 'bull:test', toKey: (type: string) => `bull:test:${type}` } as unknown as MinimalQueue;
  return new Job(queue, name, data);
}

const handlers: JobHandlers<'thing.run' | 'thing.check', string> = {
  'thing.run': async (j, token) => `ran ${String((j.data as { id?: string }).id)} with ${token ?? 'no token'}`,
  'thing.check': async () => 'checked',
};

describe('dispatchJob', () => {
  it('runs the handler named by the job, passing the lock token on', async () => {
    await expect(dispatchJob('things', handlers, job('thing.run', { id: 'a' }), 'tok')).resolves.toBe('ran a with tok');
    await expect(dispatchJob('things', handlers, job('thing.check'))).resolves.toBe('checked');
  });

  it.each(['thing.other', 'constructor', 'toString', '__proto__'])('rejects %s as unrecoverable, naming the queue', async (name) => {
    const result = dispatchJob('things', handlers, job(name));
    await expect(result).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(result).rejects.toThrow(`unknown job "${name}" on the things queue`);
  });
});

describe('parseJobPayload', () => {
  const schema = z.object({ id: z.uuid(), count: z.number().int().optional() });

  it('returns the parsed payload', () => {
    const id = '2f1c7a52-3f3e-4c5e-9a57-0a4c3b8f6d21';
    expect(parseJobPayload(job('thing.run', { id, count: 2 }), schema)).toEqual({ id, count: 2 });
  });

  it('rejects a bad payload as unrecoverable, saying which fields are wrong', () => {
    const bad = job('thing.run', { id: 'nope', count: 1.5 });
    expect(() => parseJobPayload(bad, schema)).toThrow(UnrecoverableError);
    expect(() => parseJobPayload(bad, schema)).toThrow(/^invalid thing\.run payload: id: .+; count: .+$/);
  });
});
