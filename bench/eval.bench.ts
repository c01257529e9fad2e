import { performance } from 'node:perf_hooks';
import { explainFlow } from '../src/engine/evaluate/explain-flow';
import { referenceExplainFlow } from '../src/engine/evaluate/reference-evaluator';
import { ReturnTrafficIndex } from '../src/engine/evaluate/return-traffic-index';
import type { FlowVerdict } from '../src/engine/evaluate/verdict';
import { NetworkModel } from '../src/engine/network/network-model';
import type { BenchResult } from './bench-result';
import { generateNetwork } from './generate-network';

/** How many of the flows the (slow) reference evaluator is timed on: an evenly spaced sample. */
const REFERENCE_SAMPLE = 2_000;

function core(v: FlowVerdict): string {
  return JSON.stringify([v.verdict, v.direction, v.returnTraffic, v.blockedBy]);
}

/**
 * Evaluation throughput: `explainFlow` on an indexed model vs the reference evaluator, on a
 * generated estate (>= 2,000 ENIs, 500 SGs, 10,000 SG rules, 100 NACLs) and ~200k flows. The
 * engine explains every flow; the reference, which scans the raw snapshot per flow, is timed on
 * an evenly spaced sample of the same flows and the rates are compared per flow. Verdicts on the
 * sample must agree (reported as `disagreements`).
 */
export async function runEvalBench(): Promise<BenchResult> {
  const network = generateNetwork(42);
  const { snapshot, flows, accepted, counts } = network;

  const buildStart = performance.now();
  const model = NetworkModel.fromSnapshot(snapshot);
  const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
  const buildMs = performance.now() - buildStart;

  // Warm up both paths so the JIT compares optimised code.
  for (let i = 0; i < 2_000; i++) explainFlow(model, flows[i], ctx);
  for (let i = 0; i < 20; i++) referenceExplainFlow(snapshot, flows[i], accepted);

  const verdicts: string[] = new Array(flows.length);
  const engineStart = performance.now();
  for (let i = 0; i < flows.length; i++) verdicts[i] = explainFlow(model, flows[i], ctx).verdict;
  const engineMs = performance.now() - engineStart;

  const step = Math.max(1, Math.floor(flows.length / REFERENCE_SAMPLE));
  let sampled = 0;
  let disagreements = 0;
  let referenceMs = 0;
  for (let i = 0; i < flows.length; i += step) {
    const start = performance.now();
    const slow = referenceExplainFlow(snapshot, flows[i], accepted);
    referenceMs += performance.now() - start;
    sampled++;
    if (core(slow) !== core(explainFlow(model, flows[i], ctx))) disagreements++;
  }

  const engineRate = flows.length / (engineMs / 1000);
  const referenceRate = sampled / (referenceMs / 1000);
  const tally = (kind: string): number => verdicts.filter((v) => v === kind).length;
  return {
    name: 'evaluation: explainFlow vs reference evaluator',
    metrics: {
      enis: counts.enis,
      'security groups': counts.groups,
      'security-group rules': counts.rules,
      'network ACLs': counts.nacls,
      'NACL entries': counts.naclEntries,
      subnets: counts.subnets,
      flows: flows.length,
      'accepted flows indexed': accepted.length,
      'model build ms': Math.round(buildMs),
      'engine ms': Math.round(engineMs),
      'engine flows/s': Math.round(engineRate),
      'reference sample': sampled,
      'reference ms': Math.round(referenceMs),
      'reference flows/s': Math.round(referenceRate),
      disagreements,
      blocked: tally('blocked'),
      allowed: tally('allowed'),
      unknown: tally('unknown'),
    },
    ratio: engineRate / referenceRate,
    target: '>= 50x reference',
  };
}
