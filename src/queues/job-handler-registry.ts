import { Injectable } from '@nestjs/common';
import { jobsOf, type JobName } from './job-catalogue';
import type { QueueName } from './queue-names';

/**
 * Checked as each processor starts: its handlers are exactly the catalogue's jobs for its queue,
 * and no job of the process has a second handler. A mismatch stops the start-up, not a job.
 */
@Injectable()
export class JobHandlerRegistry {
  private readonly owners = new Map<string, string>();

  register(queue: QueueName, handlers: object, owner: string): void {
    const expected = new Set<string>(jobsOf(queue));
    const given = Object.keys(handlers);
    const missing = [...expected].filter((name) => !given.includes(name));
    const unknown = given.filter((name) => !expected.has(name));
    const taken = given.filter((name) => this.owners.has(name));
    const problems = [
      ...missing.map((name) => `${name} has no handler`),
      ...unknown.map((name) => `${name} is not a job of the ${queue} queue`),
      ...taken.map((name) => `${name} is already handled by ${this.owners.get(name)}`),
    ];
    if (problems.length > 0) throw new Error(`${owner}: ${problems.join('; ')}`);
    for (const name of given) this.owners.set(name, owner);
  }

  /** Which processor handles a job in this process, if any. */
  ownerOf(name: JobName): string | undefined {
    return this.owners.get(name);
  }
}
