/**
 * The one source of "what time is it" for the service, the worker and the CLI. Nothing else
 * reads the wall clock: services take a Clock by injection, plain functions take `now` as an
 * argument, so tests pin time and the suite passes on any date.
 *
 * Durations that only bound waiting (timeouts, polling deadlines) use the monotonic
 * `performance.now()` instead: they never reach data.
 */
export abstract class Clock {
  abstract now(): Date;

  nowMs(): number {
    return this.now().getTime();
  }
}

/** The machine's clock, optionally shifted so that it read `startAt` when the process started. */
export class SystemClock extends Clock {
  private readonly offsetMs: number;

  constructor(startAt?: Date) {
    super();
    this.offsetMs = startAt ? startAt.getTime() - Date.now() : 0;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** A clock that moves only when told to: for tests and simulations. */
export class FixedClock extends Clock {
  private currentMs: number;

  constructor(at: Date | string | number) {
    super();
    this.currentMs = new Date(at).getTime();
  }

  now(): Date {
    return new Date(this.currentMs);
  }

  set(at: Date | string | number): void {
    this.currentMs = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.currentMs += ms;
  }
}
