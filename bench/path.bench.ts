import { performance } from 'node:perf_hooks';
import { NetworkModel } from '../src/engine/network/network-model';
import { analyzePath } from '../src/engine/path/analyze-path';
import type { PathQuery } from '../src/engine/path/path-query';
import { explainPath } from '../src/engine/path/suggest-path-fix';
import { SeededRandom } from '../samples/seeded-random';
import type { BenchResult } from './bench-result';
import { generateNetwork } from './generate-network';

const PATHS = 100_000;
/** Blocked paths also given a fix (simulated on a copy of the snapshot): an evenly spaced sample. */
const FIX_SAMPLE = 50;
const PORTS = [22, 53, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200];
/** Reachability Analyzer's price per analysis (USD). */
const ANALYZER_USD = 0.1;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Path analysis (`analyzePath`) on the benchmark estate (2,400 interfaces, 500 groups, 10,000
 * rules, 100 NACLs): 100,000 questions between random interfaces, instances and internet
 * addresses on TCP, UDP and ICMP, each timed on its own for the latency percentiles; then a
 * sample of the blocked ones with their verified fix (`explainPath`: fix built and simulated).
 * Reachability Analyzer answers one path per analysis, asynchronously, at USD 0.10.
 */
export async function runPathBench(): Promise<BenchResult> {
  const { snapshot, flows, counts } = generateNetwork(42);
  const model = NetworkModel.fromSnapshot(snapshot);
  const random = new SeededRandom(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random.next() * list.length)];
  const enis = (snapshot.NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId);
  const instances = (snapshot.NetworkInterfaces ?? []).map((e) => e.Attachment?.InstanceId).filter((i): i is string => Boolean(i));
  const outside = [
    ...new Set(
      flows
        .slice(0, 5_000)
        .flatMap((f) => [f.srcaddr, f.dstaddr])
        .filter((a) => !a.startsWith('10.')),
    ),
  ];
  const endpoint = (): string => {
    const r = random.next();
    if (r < 0.6 || outside.length === 0) return pick(enis);
    if (r < 0.8 && instances.length) return pick(instances);
    return pick(outside);
  };
  const queries: PathQuery[] = [];
  for (let i = 0; i < PATHS; i++) {
    const r = random.next();
    const protocol = r < 0.8 ? 6 : r < 0.95 ? 17 : 1;
    queries.push({
      from: endpoint(),
      to: pick(enis),
      protocol,
      port: protocol === 1 ? 8 : pick(PORTS),
      sourcePort: random.next() < 0.2 ? 40000 : null,
    });
  }

  for (let i = 0; i < 5_000; i++) analyzePath(model, queries[i]);

  const latencies = new Float64Array(queries.length);
  const tally = { allowed: 0, blocked: 0, unknown: 0 };
  const started = performance.now();
  for (let i = 0; i < queries.length; i++) {
    const t0 = performance.now();
    const result = analyzePath(model, queries[i]);
    latencies[i] = performance.now() - t0;
    tally[result.verdict]++;
  }
  const totalMs = performance.now() - started;
  latencies.sort();

  const blocked = queries
    .filter((_, i) => i % 97 === 0)
    .filter((q) => analyzePath(model, q).verdict === 'blocked')
    .slice(0, FIX_SAMPLE);
  let verified = 0;
  const fixStarted = performance.now();
  for (const query of blocked) if (explainPath(model, query).suggestedFix?.verified) verified++;
  const fixMs = performance.now() - fixStarted;

  const rate = queries.length / (totalMs / 1000);
  return {
    name: 'path analysis: analyzePath on the benchmark estate',
    metrics: {
      enis: counts.enis,
      'security groups': counts.groups,
      'security-group rules': counts.rules,
      'network ACLs': counts.nacls,
      paths: queries.length,
      'paths/s': Math.round(rate),
      'p50 ms': Number(percentile(latencies, 50).toFixed(4)),
      'p99 ms': Number(percentile(latencies, 99).toFixed(4)),
      'max ms': Number(latencies[latencies.length - 1].toFixed(3)),
      allowed: tally.allowed,
      blocked: tally.blocked,
      unknown: tally.unknown,
      'blocked paths with fix (sample)': blocked.length,
      'fixes verified': verified,
      'path + verified fix ms (mean)': blocked.length ? Number((fixMs / blocked.length).toFixed(1)) : 0,
      'Reachability Analyzer for these paths': `USD ${(queries.length * ANALYZER_USD).toLocaleString('en-US')}, one asynchronous analysis per path`,
    },
    target: 'p99 well under 1 ms',
  };
}
