import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../../samples/sample-snapshot';
import { runStepsInTurns } from '../../../src/common/lifecycle/run-steps-in-turns';
import { diagnoseStream, diagnoseSteps } from '../../../src/engine/diagnose/diagnose';
import { validateSnapshot } from '../../../src/engine/network/snapshot-loader';
import { runSteps, type Steps } from '../../../src/engine/steps';
import { sampleDayAggregates } from '../../support/sample-day';

/** Three slices, each recorded as it runs, then the sum of 1..3. */
function* counted(ran: string[]): Steps<number> {
  let sum = 0;
  for (let i = 1; i <= 3; i++) {
    ran.push(`slice ${i}`);
    sum += i;
    yield;
  }
  return sum;
}

describe('steps run in turns', () => {
  it('gives the result runSteps gives, and lets other callbacks run between slices once a turn is due', async () => {
    const alone: string[] = [];
    expect(runSteps(counted(alone))).toBe(6);

    const ran: string[] = [];
    setImmediate(() => ran.push('other'));
    // A turn due after every slice: the waiting callback runs after the first slice, before the second.
    expect(await runStepsInTurns(counted(ran), 0)).toBe(6);
    expect(ran).toEqual(['slice 1', 'other', 'slice 2', 'slice 3']);
  });

  it('never pauses while the slices have run for less than a turn', async () => {
    const ran: string[] = [];
    setImmediate(() => ran.push('other'));
    await runStepsInTurns(counted(ran), 60_000);
    expect(ran).toEqual(['slice 1', 'slice 2', 'slice 3']);
  });

  it("diagnoses a day in steps, with diagnoseStream's findings and counts, taking turns between them", async () => {
    const snapshot = validateSnapshot(buildSnapshot());
    const aggregates = sampleDayAggregates();
    const whole = diagnoseStream(snapshot, aggregates);
    let steps = 0;
    const counting = (function* () {
      const inner = diagnoseSteps(snapshot, aggregates);
      for (;;) {
        const step = inner.next();
        if (step.done) return step.value;
        steps++;
        yield;
      }
    })();
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      const stepped = await runStepsInTurns(counting, 0);
      expect(stepped.total).toBe(whole.total);
      expect(JSON.stringify([...stepped.findings].map((item) => item.finding))).toBe(
        JSON.stringify([...whole.findings].map((item) => item.finding)),
      );
      expect(stepped.stats).toEqual(whole.stats);
    } finally {
      clearInterval(ticking);
    }
    // At least a step per group and per slice of rows, and timers ran while it was diagnosed.
    expect(steps).toBeGreaterThan(whole.total);
    expect(turns).toBeGreaterThan(0);
  });
});
