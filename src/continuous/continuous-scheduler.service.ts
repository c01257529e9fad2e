import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../queues/queue-names';
import { whileQueueReachable } from '../queues/queue-reachability.util';
import type { Target } from '../targets/target-sources';
import { CONTINUOUS_TICK_JOB, continuousSchedulerId, type ContinuousTickPayload } from './continuous-job';

const PREFIX = continuousSchedulerId('');

/**
 * One BullMQ job scheduler per continuous target on the analysis queue (id `continuous:<target>`,
 * every `everyMinutes`), each tick a `analysis.continuous-tick` job. Schedulers live in Redis;
 * the targets in PostgreSQL are the truth, and the reconciler re-creates what Redis lost.
 */
@Injectable()
export class ContinuousScheduler {
  private readonly logger = new Logger(ContinuousScheduler.name);

  constructor(@InjectQueue(QueueName.Analysis) private readonly queue: Queue) {}

  /**
   * Creates, changes or removes the target's scheduler. Redis being unreachable is not an error of
   * the target's change: the reconciler applies it when Redis is back.
   */
  async apply(target: Pick<Target, 'id' | 'continuous'>): Promise<void> {
    try {
      await whileQueueReachable(this.queue, 'the continuous analysis schedule', () => this.applyNow(target));
    } catch (error) {
      this.logger.warn(`the schedule of target ${target.id} is left to the reconciler: ${String(error)}`);
    }
  }

  async remove(targetId: string): Promise<void> {
    await this.apply({ id: targetId, continuous: null });
  }

  /** Makes the schedulers agree with the continuous targets (every one of them); returns how many were (re-)created. */
  async reconcile(targets: ReadonlyArray<Pick<Target, 'id' | 'continuous'>>): Promise<number> {
    let created = 0;
    for (const target of targets) {
      const scheduler = await this.queue.getJobScheduler(continuousSchedulerId(target.id));
      if (scheduler && Number(scheduler.every) === everyMs(target)) continue;
      await this.applyNow(target);
      created += 1;
    }
    const known = new Set(targets.map((target) => continuousSchedulerId(target.id)));
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      if (scheduler.key.startsWith(PREFIX) && !known.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
    return created;
  }

  private async applyNow(target: Pick<Target, 'id' | 'continuous'>): Promise<void> {
    const id = continuousSchedulerId(target.id);
    if (!target.continuous) {
      await this.queue.removeJobScheduler(id);
      return;
    }
    const data: ContinuousTickPayload = { targetId: target.id };
    // A failed tick is not retried: the next tick does the same work with fresher data.
    await this.queue.upsertJobScheduler(id, { every: everyMs(target) }, { name: CONTINUOUS_TICK_JOB, data, opts: { attempts: 1 } });
  }
}

function everyMs(target: Pick<Target, 'continuous'>): number {
  return (target.continuous?.everyMinutes ?? 0) * 60_000;
}
