import { correlate } from '../src/analyses/pipeline/correlate';
import { hourlyCountsFrom } from '../src/analyses/pipeline/hourly-counts';
import { hourOf } from '../src/engine/flow-log/flow-key';
import type { ObservedFinding } from '../src/findings/observed-finding';
import { generateNetwork, type NetworkSize } from './generate-network';

/** The generated estate's window: a day starting at this hour. */
export const ANALYSED_DAY_START = 1_700_000_000 - (1_700_000_000 % 3600);

/**
 * One account's estate: small enough that its analysis (which verifies every fix by simulation on
 * a copy of the configuration) takes seconds, busy enough to give about 1,200 findings of every
 * kind (misconfigurations with fixes, uncertain, scanner campaigns).
 */
export const ANALYSED_ESTATE: NetworkSize = {
  vpcs: 2,
  subnetsPerVpc: 4,
  enis: 200,
  groups: 40,
  rulesPerGroup: 8,
  nacls: 8,
  flows: 8_000,
  accepted: 200,
};

/**
 * One analysis's findings, made by the analysis's own correlate stage on the generated estate,
 * its flows spread over a day so each finding carries hourly counts as a file or Athena analysis
 * writes them.
 */
export function analysedFindings(): ObservedFinding[] {
  const { snapshot, flows, accepted } = generateNetwork(42, ANALYSED_ESTATE);
  flows.forEach((flow, i) => {
    const hour = ANALYSED_DAY_START + (i % 24) * 3600;
    flow.firstSeen = hour + 10;
    flow.lastSeen = hour + 70;
    flow.hourly = [hourOf(hour), flow.records];
  });
  const aggregates = [...flows, ...accepted];
  const from = new Date(ANALYSED_DAY_START * 1000);
  const { observed } = correlate({
    snapshot,
    aggregates,
    hourlyFrom: hourlyCountsFrom(aggregates, { from }),
    defaultBucket: from.toISOString(),
    scope: { vpcIds: [], subnetIds: [] },
  });
  return [...observed];
}

/**
 * `count` findings for one analysis of one target: the analysed findings, repeated when more are
 * asked for, each repetition under fingerprints of its own (`<fingerprint>-<n>`), so every one is
 * a distinct row as findings of a larger estate would be.
 */
export function analysedFindingsOf(count: number, analysed: readonly ObservedFinding[] = analysedFindings()): ObservedFinding[] {
  if (analysed.length === 0) throw new Error('the generated estate gave no findings');
  const out: ObservedFinding[] = [];
  for (let copy = 0; out.length < count; copy++) {
    for (const item of analysed) {
      if (out.length >= count) break;
      if (copy === 0) {
        out.push(item);
        continue;
      }
      const fingerprint = `${item.finding.fingerprint}-${copy}`;
      out.push({ ...item, finding: { ...item.finding, fingerprint } });
    }
  }
  return out;
}
