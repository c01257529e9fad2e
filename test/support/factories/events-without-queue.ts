import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../../src/common/clock/clock';
import { EventEntity } from '../../../src/events/event.entity';
import { EventsService } from '../../../src/events/events.service';
import type { JobProducer } from '../../../src/queues/job-producer';

/**
 * EventsService on `dataSource` with no queue: for writers that record events while no webhook
 * subscription exists (publishing then marks the events fanned out without a job).
 */
export function eventsWithoutQueue(dataSource: DataSource, clock: Clock): EventsService {
  return new EventsService(
    dataSource.getRepository(EventEntity),
    undefined as unknown as Queue,
    clock,
    undefined as unknown as JobProducer,
  );
}
