import { diagnose } from '../src/engine/diagnose/diagnose';
import type { Classification } from '../src/engine/findings/finding';
import { FlowAggregator } from '../src/engine/flow-log/flow-aggregator';
import type { FlowAggregate } from '../src/engine/flow-log/flow-record';
import type { Corpus, Truth } from './classification-corpus';

/** What the diagnosis made of a rejected record: its finding's classification, or no finding (allowed or undecided). */
export type Outcome = Classification | 'no finding';

export const TRUTHS: readonly Truth[] = ['scanner', 'late-close', 'misconfiguration'];
export const OUTCOMES: readonly Outcome[] = ['likely-misconfiguration', 'uncertain', 'likely-noise', 'no finding'];

export type Matrix = Record<Truth, Record<Outcome, number>>;

export interface PrecisionRecall {
  precision: number | null;
  recall: number | null;
}

export interface ClassificationEvaluation {
  rejectedRecords: number;
  acceptedRecords: number;
  /** Rejected records by verdict; `undecidedListed` sums the reason groups of the coverage section. */
  verdicts: { blocked: number; allowed: number; unknown: number; undecidedListed: number };
  aggregates: number;
  findings: { rule: number; campaign: number };
  /** Rejected records by ground truth × outcome. */
  records: Matrix;
  /** Findings by the ground truth of most of their records × classification. */
  findingMatrix: Matrix;
  /** Per scenario: records, and how many came out likely-noise / likely-misconfiguration. */
  scenarios: Array<{ scenario: string; truth: Truth; records: number; noise: number; misconfiguration: number }>;
  /** Noise = scanner and late-close records; misconfiguration = misconfiguration records. */
  recordScores: { noise: PrecisionRecall; misconfiguration: PrecisionRecall };
  findingScores: { noise: PrecisionRecall; misconfiguration: PrecisionRecall };
  /** The goals: share of scanner records classified noise (≥ 0.95), of misconfiguration records classified noise (≤ 0.01). */
  scannerRecordsNoise: number;
  misconfigurationRecordsNoise: number;
}

const emptyMatrix = (): Matrix => Object.fromEntries(TRUTHS.map((t) => [t, Object.fromEntries(OUTCOMES.map((o) => [o, 0]))])) as Matrix;

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function scores(matrix: Matrix): { noise: PrecisionRecall; misconfiguration: PrecisionRecall } {
  const column = (o: Outcome) => TRUTHS.reduce((sum, t) => sum + matrix[t][o], 0);
  const row = (t: Truth) => OUTCOMES.reduce((sum, o) => sum + matrix[t][o], 0);
  const noiseTrue = matrix.scanner['likely-noise'] + matrix['late-close']['likely-noise'];
  return {
    noise: { precision: ratio(noiseTrue, column('likely-noise')), recall: ratio(noiseTrue, row('scanner') + row('late-close')) },
    misconfiguration: {
      precision: ratio(matrix.misconfiguration['likely-misconfiguration'], column('likely-misconfiguration')),
      recall: ratio(matrix.misconfiguration['likely-misconfiguration'], row('misconfiguration')),
    },
  };
}

/**
 * Runs the corpus through the same path as `diagnose` (aggregate, explain, group, classify,
 * campaigns) and counts every rejected record and every finding against the ground truth.
 */
export function evaluateClassification(corpus: Corpus): ClassificationEvaluation {
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const { record } of corpus.records) aggregator.add(record);
  const aggregates = aggregator.aggregates();
  const result = diagnose(corpus.snapshot, aggregates);
  const outcomeOf = new Map<FlowAggregate, Classification>();
  const findingOf = new Map<FlowAggregate, number>();
  result.findings.forEach((finding, index) => {
    for (const flow of result.flowsByFingerprint.get(finding.fingerprint) ?? []) {
      outcomeOf.set(flow, finding.classification);
      findingOf.set(flow, index);
    }
  });

  const records = emptyMatrix();
  const perFinding = result.findings.map(() => ({ scanner: 0, 'late-close': 0, misconfiguration: 0 }) as Record<Truth, number>);
  const scenarios = new Map<string, { scenario: string; truth: Truth; records: number; noise: number; misconfiguration: number }>();
  let rejectedRecords = 0;
  let acceptedRecords = 0;
  for (const flow of aggregates) {
    if (flow.action === 'ACCEPT') {
      acceptedRecords += flow.records;
      continue;
    }
    rejectedRecords += flow.records;
    const label = corpus.truthOf(flow.interfaceId, flow.srcaddr, flow.dstaddr);
    if (!label) throw new Error(`no ground truth for ${flow.interfaceId} ${flow.srcaddr} -> ${flow.dstaddr}`);
    const outcome: Outcome = outcomeOf.get(flow) ?? 'no finding';
    records[label.truth][outcome] += flow.records;
    const index = findingOf.get(flow);
    if (index !== undefined) perFinding[index][label.truth] += flow.records;
    const entry = scenarios.get(label.scenario) ?? {
      scenario: label.scenario,
      truth: label.truth,
      records: 0,
      noise: 0,
      misconfiguration: 0,
    };
    entry.records += flow.records;
    if (outcome === 'likely-noise') entry.noise += flow.records;
    if (outcome === 'likely-misconfiguration') entry.misconfiguration += flow.records;
    scenarios.set(label.scenario, entry);
  }
  const findingMatrix = emptyMatrix();
  result.findings.forEach((finding, index) => {
    const counts = perFinding[index];
    const majority = TRUTHS.reduce((best, t) => (counts[t] > counts[best] ? t : best), TRUTHS[0]);
    findingMatrix[majority][finding.classification] += 1;
  });
  const rowTotal = (t: Truth) => OUTCOMES.reduce((sum, o) => sum + records[t][o], 0);
  return {
    rejectedRecords,
    acceptedRecords,
    verdicts: {
      blocked: result.stats.rejected.blocked.records,
      allowed: result.stats.rejected.allowed.records,
      unknown: result.stats.rejected.unknown.records,
      undecidedListed: result.stats.coverage.undecided.reduce((sum, g) => sum + g.records, 0),
    },
    aggregates: aggregates.length,
    findings: { ...result.stats.findings.byKind },
    records,
    findingMatrix,
    scenarios: [...scenarios.values()],
    recordScores: scores(records),
    findingScores: scores(findingMatrix),
    scannerRecordsNoise: records.scanner['likely-noise'] / Math.max(rowTotal('scanner'), 1),
    misconfigurationRecordsNoise: records.misconfiguration['likely-noise'] / Math.max(rowTotal('misconfiguration'), 1),
  };
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`);

function matrixTable(title: string, matrix: Matrix): string[] {
  const lines = [`| ${title} | ${OUTCOMES.join(' | ')} | total |`, `|---${'|---:'.repeat(OUTCOMES.length + 1)}|`];
  for (const truth of TRUTHS) {
    const row = OUTCOMES.map((o) => matrix[truth][o]);
    lines.push(`| ${truth} | ${row.join(' | ')} | ${row.reduce((a, b) => a + b, 0)} |`);
  }
  return lines;
}

/** The evaluation as Markdown: the confusion matrices, precision and recall, per-scenario shares and the goals. */
export function renderEvaluation(e: ClassificationEvaluation, seed: number): string {
  const goal = (value: number, ok: boolean, text: string) => `- ${text}: **${percent(value)}** — ${ok ? 'met' : 'NOT met'}`;
  const score = (name: string, s: { noise: PrecisionRecall; misconfiguration: PrecisionRecall }) => [
    `| ${name} | ${percent(s.misconfiguration.precision)} | ${percent(s.misconfiguration.recall)} | ${percent(s.noise.precision)} | ${percent(s.noise.recall)} |`,
  ];
  return [
    `Evaluation corpus (seed 0x${seed.toString(16)}): ${e.rejectedRecords} rejected and ${e.acceptedRecords} accepted records, ` +
      `${e.aggregates} aggregated flows; ${e.findings.rule} rule findings and ${e.findings.campaign} campaigns.`,
    '',
    ...matrixTable('records: truth \\ outcome', e.records),
    '',
    ...matrixTable('findings: truth \\ classification', e.findingMatrix),
    '',
    '| counted in | misconfiguration precision | misconfiguration recall | noise precision | noise recall |',
    '|---|---:|---:|---:|---:|',
    ...score('records', e.recordScores),
    ...score('findings', e.findingScores),
    '',
    '| scenario | truth | records | likely-noise | likely-misconfiguration |',
    '|---|---|---:|---:|---:|',
    ...e.scenarios.map(
      (s) => `| ${s.scenario} | ${s.truth} | ${s.records} | ${percent(s.noise / s.records)} | ${percent(s.misconfiguration / s.records)} |`,
    ),
    '',
    goal(e.scannerRecordsNoise, e.scannerRecordsNoise >= 0.95, 'scanner records classified likely-noise (goal ≥ 95 %)'),
    goal(
      e.misconfigurationRecordsNoise,
      e.misconfigurationRecordsNoise <= 0.01,
      'misconfiguration records classified likely-noise (goal ≤ 1 %)',
    ),
    '',
  ].join('\n');
}
