import { flowLogCoverage, type CoverageGap } from '../../engine/coverage/flow-log-coverage';
import { type DiagnosedFinding, diagnoseSteps, diagnosisBasis } from '../../engine/diagnose/diagnose';
import { runSteps, type Steps } from '../../engine/steps';
import type { DiagnoseStats } from '../../engine/diagnose/diagnose-stats';
import type { PriorCampaigns } from '../../engine/findings/campaign-group';
import { explainFlow, type ExplainContext } from '../../engine/evaluate/explain-flow';
import type { FlowAggregate } from '../../engine/flow-log/flow-record';
import type { NetworkModel } from '../../engine/network/network-model';
import type { NetworkSnapshot } from '../../engine/network/snapshot';
import type { ObservedFinding } from '../../findings/observed-finding';
import { plainFlowAggregate } from '../../engine/flow-log/flow-aggregate-store';
import { flowKey } from '../../engine/flow-log/flow-key';
import { type FlowRows, selectRows } from '../../engine/flow-log/flow-rows';
import { addHourlyCounts, bucketsByIsoHour, type BucketCount } from './hourly-counts';
import { interfaceAccounts } from './interface-accounts';

export type { BucketCount };

/** How many of a finding's rejected flows are kept (the busiest), for re-evaluation and what-if. */
export const MAX_FLOWS_PER_FINDING = 200;

export interface CorrelateInput {
  snapshot: NetworkSnapshot;
  /** The window's aggregates by row (a FlowAggregateStore, or an array). */
  aggregates: FlowRows;
  /**
   * The first hour (epoch seconds) of the window's counts when the REJECT aggregates carry their
   * records per hour (see hourlyCountsFrom); when absent, each finding gets one bucket `defaultBucket`.
   */
  hourlyFrom?: number;
  defaultBucket: string;
  scope: { vpcIds: string[]; subnetIds: string[] };
  /** The target's stored campaigns, by source: a source seen before stays in its campaign. */
  priorCampaigns?: PriorCampaigns;
  /** SKIPDATA records the flow source counted in the window: the coverage's `skipped-data` signal. */
  skipdata?: number;
}

export interface CorrelateResult {
  /**
   * What diagnose counted; its `findings` and `fixes` counts are complete once `observed` has been
   * drawn to its end. Its per-flow evidence is not kept: every finding's flows are in `observed`.
   */
  stats: DiagnoseStats;
  /** The findings in report order, each finished (fix, busiest flows, counts) as it is drawn; can be drawn once. */
  observed: Iterable<ObservedFinding>;
  coverageGaps: CoverageGap[];
  /** The model and explain context (ACCEPT flows for return-traffic detection) diagnose used, reused to re-explain stored flows. */
  context: ExplainContext;
  model: NetworkModel;
}

/**
 * Runs the engine over one analysis's data and attaches to each finding what the findings table
 * keeps: its busiest flows, its rejected records per time bucket, and its VPCs. Flows are mapped
 * to findings exactly as the engine assigned them (a rule finding's control × direction ×
 * protocol × service port × return-ness, or a campaign's sources). The findings are finished one
 * at a time as `observed` is drawn, so persisting them as they come holds a batch, not them all.
 */
export function correlate(input: CorrelateInput): CorrelateResult {
  return runSteps(correlateSteps(input));
}

/** `correlate` in steps (see diagnoseSteps): the worker runs them giving its event loop turns, so its job lock is renewed. */
export function* correlateSteps(input: CorrelateInput): Steps<CorrelateResult> {
  const aggregates = inScope(input.snapshot, input.aggregates, input.scope);
  // One model and one explain context for the diagnosis and for re-explaining stored findings' flows.
  const basis = diagnosisBasis(input.snapshot, aggregates);
  yield;
  const diagnosis = yield* diagnoseSteps(input.snapshot, aggregates, {
    priorCampaigns: input.priorCampaigns,
    basis,
    ...(input.skipdata ? { inputStats: { skipdata: input.skipdata } } : {}),
  });
  const coverageGaps = flowLogCoverage(input.snapshot, input.scope).gaps;
  return {
    stats: diagnosis.stats,
    // Only what finishing a finding needs: not the input's aggregates, which the caller lets go of.
    observed: observe(diagnosis.findings, { snapshot: input.snapshot, hourlyFrom: input.hourlyFrom, defaultBucket: input.defaultBucket }),
    coverageGaps,
    context: basis.context,
    model: basis.model,
  };
}

/** Each diagnosed finding with its busiest flows, its counts per bucket, its VPCs and accounts. */
function* observe(
  findings: Iterable<DiagnosedFinding>,
  input: Pick<CorrelateInput, 'snapshot' | 'hourlyFrom' | 'defaultBucket'>,
): Generator<ObservedFinding> {
  const vpcOf = new Map((input.snapshot.NetworkInterfaces ?? []).map((eni) => [eni.NetworkInterfaceId, eni.VpcId]));
  const accountOf = interfaceAccounts(input.snapshot);
  const { hourlyFrom, defaultBucket } = input;
  for (const { finding, flows: explained } of findings) {
    const all = explained.map((item) => item.flow);
    // Busiest first, then by key: each flow's key made once, not twice per comparison.
    const flows = all
      .map((flow) => ({ flow, key: flowKey(flow) }))
      .sort((a, b) => b.flow.records - a.flow.records || (a.key < b.key ? -1 : 1))
      .slice(0, MAX_FLOWS_PER_FINDING)
      // Plain objects without their per-hour counts: those live in the finding's counts.
      .map(({ flow }) => plainFlowAggregate(flow, false));
    const vpcIds = new Set<string>();
    const accountIds = new Set<string>();
    for (const flow of all) {
      const vpc = flow.vpcId ?? vpcOf.get(flow.interfaceId);
      if (vpc) vpcIds.add(vpc);
      const account = accountOf(flow);
      if (account) accountIds.add(account);
    }
    yield {
      finding,
      flows,
      counts: hourlyFrom !== undefined ? countsOf(all, hourlyFrom) : { [defaultBucket]: finding.traffic.records },
      vpcIds: [...vpcIds].sort(),
      accountIds: [...accountIds].sort(),
    };
  }
}

/** True when every stored flow of a finding is allowed by the configuration in `model`. */
export function flowsNowAllowed(model: NetworkModel, flows: readonly FlowAggregate[], context: ExplainContext): boolean {
  return flows.length > 0 && flows.every((flow) => explainFlow(model, flow, context).verdict === 'allowed');
}

/** Keeps the flows captured at interfaces in the target's scope (all of them when no scope is set). */
function inScope(snapshot: NetworkSnapshot, aggregates: FlowRows, scope: { vpcIds: string[]; subnetIds: string[] }): FlowRows {
  if (scope.vpcIds.length === 0 && scope.subnetIds.length === 0) return aggregates;
  const vpcs = new Set(scope.vpcIds);
  const subnets = new Set(scope.subnetIds);
  const inside = new Set(
    (snapshot.NetworkInterfaces ?? [])
      .filter((eni) => (eni.VpcId && vpcs.has(eni.VpcId)) || (eni.SubnetId && subnets.has(eni.SubnetId)))
      .map((eni) => eni.NetworkInterfaceId),
  );
  return selectRows(
    aggregates,
    (flow) =>
      inside.has(flow.interfaceId) ||
      (flow.vpcId !== null && vpcs.has(flow.vpcId)) ||
      (flow.subnetId !== null && subnets.has(flow.subnetId)),
  );
}

/** A finding's rejected records per hour bucket, summed from its flows' per-hour counts (see hourlyCountsFrom). */
function countsOf(flows: readonly FlowAggregate[], firstHour: number): Record<string, number> {
  const buckets = new Map<number, number>();
  for (const flow of flows) addHourlyCounts(buckets, flow, firstHour);
  return bucketsByIsoHour(buckets);
}
