import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confirmationClientToken, confirmationJobId } from '../../../src/confirmations/confirmation-job';
import { checkBudget, monthOf } from '../../../src/confirmations/reachability-budget';

describe('the monthly Reachability Analyzer budget', () => {
  it.each([
    ['2026-11-30T23:59:59.999Z', '2026-11', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T00:00:00.000Z', '2026-12', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2028-02-29T12:00:00.000Z', '2028-02', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
  ])('%s falls in %s (UTC)', (now, month, from, to) => {
    const m = monthOf(new Date(now));
    expect({ month: m.month, from: m.from.toISOString(), to: m.to.toISOString() }).toEqual({ month, from, to });
  });

  it.each([
    [1.0, 9, true, 0.9],
    [1.0, 10, false, 1.0],
    [0.3, 2, true, 0.2],
    [0.3, 3, false, 0.3],
    [0.35, 3, false, 0.3],
    [0, 0, false, 0],
  ])('budget USD %s with %i analyses counted: one more allowed %s, spent %s', (budget, counted, allowed, spent) => {
    expect(checkBudget(budget, counted)).toEqual({ allowed, budgetUsd: budget, spentUsd: spent, analysesCounted: counted });
  });

  it('allows exactly floor(budget / 0.10) analyses a month, in whole cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (cents) => {
        const budget = cents / 100;
        let counted = 0;
        while (checkBudget(budget, counted).allowed) counted++;
        expect(counted).toBe(Math.floor(cents / 10));
      }),
    );
  });

  it('one job per confirmation; a client token AWS accepts (at most 64 characters) per attempt', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(confirmationJobId(id)).toBe(id);
    expect(confirmationClientToken(id, 0)).not.toBe(confirmationClientToken(id, 1));
    expect(`${confirmationClientToken(id, 99)}-analysis`.length).toBeLessThanOrEqual(64);
  });
});
