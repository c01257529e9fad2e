import { signalFacts } from '../classify/classify-finding';
import { detectSignals } from '../classify/detect-signals';
import { scannerSignals } from '../classify/scanner-flow';
import { decideClassification, NOISE_SIGNALS, type Signal } from '../classify/signals';
import type { PeerFacts, SignalFacts } from '../classify/signal-facts';
import { degradedSignals, groupUndecided, undecidedReason } from '../coverage/analysis-coverage';
import { TrafficContext } from '../classify/traffic-context';
import { type ExplainContext, explainFlow } from '../evaluate/explain-flow';
import type { FlowVerdict } from '../evaluate/verdict';
import { ReturnTrafficIndex } from '../evaluate/return-traffic-index';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { Classification, Finding } from '../findings/finding';
import { sameControl } from '../findings/fingerprint.util';
import {
  type CampaignGroup,
  groupCampaignMembers,
  type NoiseFlow,
  priorCampaignKey,
  type PriorCampaigns,
} from '../findings/campaign-group';
import { type FindingGroup, groupBlockedRows } from '../findings/finding-group';
import { VerdictPool } from '../evaluate/verdict-pool';
import { compareFindings, type Ranked, severityOf } from '../findings/severity';
import { CAMPAIGN_RANK, summarizeCampaign } from '../findings/summarize-campaign';
import { staleRulesFor } from '../findings/stale-rules';
import { summarizeTraffic, trafficScale } from '../findings/summarize-traffic';
import type { FlowAggregate } from '../flow-log/flow-record';
import { eachFlow, flowAt, type FlowRows } from '../flow-log/flow-rows';
import { NaclRuleNumberLedger } from '../fixes/nacl-rule-number-ledger';
import { dynamicHostPortSets, dynamicHostPortsOf } from '../fixes/dynamic-host-ports';
import { FIX_SCOPE, type FixScopeFacts, fixScopeFacts, natGatewayNote, scopedFix, suspectReason } from '../fixes/fix-scope';
import type { FixVerifier } from '../fixes/suggest-fix';
import { createFixVerifier } from '../fixes/verify-fix';
import { NetworkModel } from '../network/network-model';
import { PROTOCOL_TCP } from '../network/protocol';
import { runSteps, type Steps } from '../steps';
import type { NetworkSnapshot } from '../network/snapshot';
import type { DiagnoseStats } from './diagnose-stats';

export interface DiagnoseOptions {
  /** Counts from reading the input (e.g. malformed lines), copied into `stats.input`. */
  inputStats?: Record<string, number>;
  /** Verifies fixes; default: apply the changes to a copy of the snapshot and re-explain the flows. */
  verifier?: FixVerifier;
  /** Campaigns sources were put in before (the service's stored campaigns): they stay there. */
  priorCampaigns?: PriorCampaigns;
  /**
   * The snapshot's model and the explain context of the ACCEPT flows among `aggregates`, when the
   * caller evaluates other flows against the same configuration too (see `diagnosisBasis`);
   * built here otherwise.
   */
  basis?: DiagnosisBasis;
}

/** What every flow of one diagnosis is explained against: the configuration's model and the ACCEPT flows' return-traffic index. */
export interface DiagnosisBasis {
  model: NetworkModel;
  context: ExplainContext;
}

/** The basis diagnose() builds for a snapshot and its aggregates (ACCEPT and REJECT). */
export function diagnosisBasis(snapshot: NetworkSnapshot, aggregates: FlowRows): DiagnosisBasis {
  // The index takes the ACCEPT flows among them and skips the others.
  return { model: NetworkModel.fromSnapshot(snapshot), context: { returnTraffic: ReturnTrafficIndex.fromFlows(eachFlow(aggregates)) } };
}

export interface DiagnoseResult {
  findings: Finding[];
  stats: DiagnoseStats;
  /** The rejected flows each finding stands for, by fingerprint (every blocked flow is in exactly one). */
  flowsByFingerprint: Map<string, FlowAggregate[]>;
  /** The same flows with the verdicts diagnose gave them, by fingerprint: a caller never explains them again. */
  evidence: Map<string, ExplainedFlow[]>;
}

/** One finding of a diagnosis with the rejected flows it stands for, as diagnose explained them. */
export interface DiagnosedFinding {
  finding: Finding;
  flows: ExplainedFlow[];
}

/**
 * A diagnosis whose findings are finished one at a time: `findings` yields them in report order,
 * each with its fix suggested as it is drawn, and lets go of each finding's flows once it has
 * been yielded, so a caller that writes findings away as they come never holds every fix and
 * every flow at once. `stats` counts the input and the verdicts from the start; its `findings`
 * and `fixes` counts are complete once `findings` has been drawn to its end.
 */
export interface DiagnosisStream {
  stats: DiagnoseStats;
  /** How many findings `findings` yields. */
  total: number;
  /** The findings in report order; can be drawn once. */
  findings: Iterable<DiagnosedFinding>;
}

function emptyStats(): DiagnoseStats {
  const count = () => ({ flows: 0, records: 0 });
  return {
    flows: 0,
    records: 0,
    acceptedRecords: 0,
    rejectedRecords: 0,
    rejected: { blocked: count(), allowed: count(), unknown: count(), returnTraffic: count() },
    findings: {
      total: 0,
      byKind: { rule: 0, campaign: 0 },
      byClassification: { 'likely-misconfiguration': 0, uncertain: 0, 'likely-noise': 0 },
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
    },
    fixes: { suggested: 0, verified: 0 },
    coverage: { undecided: [], degradedSignals: [] },
  };
}

/**
 * From a snapshot and aggregated flows (ACCEPT and REJECT; the in-process aggregator's or
 * Athena's) to findings: every REJECT is explained against the current configuration (ACCEPTs
 * feed return-traffic detection and the "accepted from other peers" signal). Inbound requests of
 * internet scanners, and internet "replies" to requests the interface never made, are set aside
 * first (`scannerSignals`); the other blocked flows are grouped by
 * rule, classified, given a severity and — unless noise — a verified smallest fix. Noise (the
 * scanners' flows and the rule groups classified `likely-noise`) is regrouped into campaigns, one
 * finding each. Pure and deterministic: the same input in any order gives the same findings in
 * the same order.
 */
export function diagnose(snapshot: NetworkSnapshot, aggregates: FlowRows, options: DiagnoseOptions = {}): DiagnoseResult {
  const diagnosis = diagnoseStream(snapshot, aggregates, options);
  const findings: Finding[] = [];
  const evidence = new Map<string, ExplainedFlow[]>();
  for (const { finding, flows } of diagnosis.findings) {
    findings.push(finding);
    evidence.set(finding.fingerprint, flows);
  }
  const flowsByFingerprint = new Map([...evidence].map(([fingerprint, items]) => [fingerprint, items.map((item) => item.flow)]));
  return { findings, stats: diagnosis.stats, flowsByFingerprint, evidence };
}

/**
 * A finding waiting in report order for its turn: what the order reads (`Ranked`), what was
 * decided of it, its flows as rows of the input (see ExplainedRows) and its group without them.
 * Its Finding — the traffic summary, whose peer lists are the bulk of a finding, and for a rule
 * finding its fix — is made from these when its turn comes, the same as it would have been made
 * here.
 */
interface PendingFinding extends Ranked {
  /** Where its rows start in the diagnosis's PendingRows, and how many. */
  rowsAt: number;
  rowCount: number;
  made: PendingRule | PendingCampaign;
}

interface PendingRule {
  kind: 'rule';
  group: Omit<FindingGroup, 'flows'>;
  signals: string[];
  scope: FixScopeFacts;
}

interface PendingCampaign {
  kind: 'campaign';
  group: Omit<CampaignGroup, 'flows'>;
  signals: string[];
  /** Per row: its signals' list in `NoiseRows`. */
  signalIds: Int32Array;
}

/**
 * The rows of every pending finding, one finding's after another's in one growing list, rather
 * than a typed array (and its buffer) each: tens of thousands of findings.
 */
class PendingRows {
  private rows = new Int32Array(1 << 16);
  private used = 0;

  /** Adds `count` rows, the `i`th being `rowOf(i)`; returns where they start. */
  add(count: number, rowOf: (i: number) => number): number {
    if (this.used + count > this.rows.length) {
      const grown = new Int32Array(Math.max(this.rows.length * 2, this.used + count));
      grown.set(this.rows.subarray(0, this.used));
      this.rows = grown;
    }
    const at = this.used;
    for (let i = 0; i < count; i++) this.rows[at + i] = rowOf(i);
    this.used += count;
    return at;
  }

  at(index: number): number {
    return this.rows[index];
  }
}

/**
 * The verdicts of one diagnosis's rejected flows, as numbers beside the input's rows: a million
 * flows share a few hundred verdicts (VerdictPool), so each row holds the index of its verdict
 * and an ExplainedFlow (and its flow, read from the input's row) is made only while a step reads
 * it, for one group at a time.
 */
class ExplainedRows {
  private readonly idOf = new Map<FlowVerdict, number>();

  /**
   * @param flows The caller's input, read by row (never written to).
   * @param ids Per row: the index of its verdict in `verdicts`, -1 when it was not explained (ACCEPT).
   * @param source Per row: the row of `flows` it reads, when these are some rows of the input; null when they are all of them.
   */
  private constructor(
    private readonly flows: FlowRows,
    private readonly ids: Int32Array,
    private readonly verdicts: FlowVerdict[],
    private readonly source: Int32Array | null,
  ) {}

  /** Rows of `flows`, none explained yet. */
  static of(flows: FlowRows): ExplainedRows {
    return new ExplainedRows(flows, new Int32Array(flows.length).fill(-1), [], null);
  }

  /**
   * The rows that `pending` findings stand for (in `rows`), and only them, in the order the
   * findings list them: finding `i`'s are rows `starts[i]` to `starts[i + 1] - 1` of the result.
   * They are kept as numbers (the input's row and the verdict's index): the input's flows are read
   * again as each finding is finished.
   */
  keepOnly(pending: readonly PendingFinding[], rows: PendingRows): { rows: ExplainedRows; starts: Int32Array } {
    let count = 0;
    for (const { rowCount } of pending) count += rowCount;
    const source = new Int32Array(count);
    const ids = new Int32Array(count);
    const starts = new Int32Array(pending.length + 1);
    let kept = 0;
    for (let p = 0; p < pending.length; p++) {
      const { rowsAt, rowCount } = pending[p];
      starts[p] = kept;
      for (let i = rowsAt; i < rowsAt + rowCount; i++) {
        const row = rows.at(i);
        source[kept] = this.sourceRow(row);
        ids[kept++] = this.ids[row];
      }
    }
    starts[pending.length] = kept;
    return { rows: new ExplainedRows(this.flows, ids, this.verdicts, source), starts };
  }

  set(row: number, verdict: FlowVerdict): void {
    let id = this.idOf.get(verdict);
    if (id === undefined) {
      id = this.verdicts.push(verdict) - 1;
      this.idOf.set(verdict, id);
    }
    this.ids[row] = id;
  }

  verdictAt(row: number): FlowVerdict {
    return this.verdicts[this.ids[row]];
  }

  /** A new ExplainedFlow of the row: a flow with the same fields and the same verdict each time. */
  at(row: number): ExplainedFlow {
    return { flow: flowAt(this.flows, this.sourceRow(row)), verdict: this.verdicts[this.ids[row]] };
  }

  private sourceRow(row: number): number {
    return this.source ? this.source[row] : row;
  }

  /** The explained rows in input order. */
  rows(): Int32Array {
    let count = 0;
    for (let row = 0; row < this.ids.length; row++) if (this.ids[row] >= 0) count++;
    const rows = new Int32Array(count);
    for (let row = 0, i = 0; row < this.ids.length; row++) if (this.ids[row] >= 0) rows[i++] = row;
    return rows;
  }

  *each(rows: ArrayLike<number>): Generator<ExplainedFlow> {
    for (let i = 0; i < rows.length; i++) yield this.at(rows[i]);
  }

  list(rows: ArrayLike<number>): ExplainedFlow[] {
    return Array.from(rows, (row) => this.at(row));
  }

  /** Rows `from` to `to - 1`, each made as by `at`. */
  range(from: number, to: number): ExplainedFlow[] {
    const flows: ExplainedFlow[] = [];
    for (let row = from; row < to; row++) flows.push(this.at(row));
    return flows;
  }
}

/** `diagnose`, with the findings finished one at a time as they are drawn (see `DiagnosisStream`). */
export function diagnoseStream(snapshot: NetworkSnapshot, aggregates: FlowRows, options: DiagnoseOptions = {}): DiagnosisStream {
  return runSteps(diagnoseSteps(snapshot, aggregates, options));
}

/** Rows explained or classified between two steps of `diagnoseSteps`. */
const ROWS_PER_STEP = 4096;

/**
 * `diagnoseStream` in steps: it yields after every slice of rows and every group, so that a caller
 * on an event loop can let other work run while a day's aggregates are diagnosed (see Steps).
 */
export function* diagnoseSteps(snapshot: NetworkSnapshot, aggregates: FlowRows, options: DiagnoseOptions = {}): Steps<DiagnosisStream> {
  const { model, context: ctx } = options.basis ?? diagnosisBasis(snapshot, aggregates);
  const stats = emptyStats();
  const explained = ExplainedRows.of(aggregates);
  const verdicts = new VerdictPool();
  for (let row = 0; row < aggregates.length; row++) {
    if (row % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const flow = flowAt(aggregates, row);
    stats.flows++;
    stats.records += flow.records;
    if (flow.action === 'ACCEPT') {
      stats.acceptedRecords += flow.records;
      continue;
    }
    stats.rejectedRecords += flow.records;
    const explainedFlow = explainFlow(model, flow, ctx);
    const verdict = verdicts.shared(
      explainedFlow,
      explainedFlow.verdict === 'unknown' ? undecidedGroupOf(model, flow, explainedFlow) : undefined,
    );
    const bucket = stats.rejected[verdict.verdict];
    bucket.flows++;
    bucket.records += flow.records;
    if (verdict.returnTraffic) {
      stats.rejected.returnTraffic.flows++;
      stats.rejected.returnTraffic.records += flow.records;
    }
    explained.set(row, verdict);
  }
  const rejected = explained.rows();
  yield;
  // The context takes the ACCEPT flows among the input and skips the others.
  const context = TrafficContext.build(explained.each(rejected), eachFlow(aggregates));
  yield;
  // Noise as rows, each with its signals.
  const noise = new NoiseRows();
  // The other rows, to group by rule: a typed array, not a list of up to a million numbers.
  const ruleRows = new Int32Array(rejected.length);
  let ruleCount = 0;
  for (let i = 0; i < rejected.length; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const row = rejected[i];
    const signals = scannerSignals(explained.at(row), model, context);
    if (signals.length) noise.add(row, signals);
    else ruleRows[ruleCount++] = row;
  }
  const byRule = ruleRows.subarray(0, ruleCount);
  const prior: PriorCampaigns = options.priorCampaigns ?? new Map();
  const pending: PendingFinding[] = [];
  const signalLists = new SignalLists();
  const pendingRows = new PendingRows();
  // One group's flows as objects at a time: what waits is the finding and its rows.
  yield;
  const grouped = groupBlockedRows(byRule, (row) => explained.at(row));
  const weigh = (shell: Omit<FindingGroup, 'flows'>, members: Int32Array): WeighedGroup => {
    const group: FindingGroup = { ...shell, flows: explained.list(members) };
    const facts = signalFacts(group, model, context);
    return { shell, members, group, facts, ...decideClassification(detectSignals(facts)) };
  };
  for (const { start, end, ...groupShell } of grouped.groups) {
    yield;
    let weighed = weigh(groupShell, grouped.rows.subarray(start, end));
    // A noise group whose clients' own evidence is not noise: the probes go to the campaigns, the
    // clients stay a rule finding (a misconfiguration never hides inside a botnet's noise).
    const clients = weighed.classification === 'likely-noise' ? clientPart(weighed, explained, weigh) : null;
    if (clients) {
      const kept = new Set(clients.members);
      for (const row of weighed.members) if (!kept.has(row)) noise.add(row, weighed.signals);
      weighed = clients;
    }
    const { shell, members, group, facts, classification, signals } = weighed;
    // Undecided traffic that only sources of known campaigns sent is theirs (a narrow window may
    // lack the evidence a whole day gives); a likely misconfiguration is never taken from its group.
    const known = (item: ExplainedFlow) => prior.has(priorCampaignKey(item.verdict.direction, peerAddressOf(item)));
    if (classification === 'likely-noise' || (classification === 'uncertain' && prior.size > 0 && group.flows.every(known))) {
      for (const row of members) noise.add(row, signals);
      continue;
    }
    // The severity summarizeTraffic's summary would give; the summary is made when its turn comes.
    const scale = trafficScale(group.flows, model);
    pending.push({
      fingerprint: group.fingerprint,
      classification,
      severity: severityOf(classification, signals, scale),
      traffic: { records: scale.records },
      rowsAt: pendingRows.add(members.length, (i) => members[i]),
      rowCount: members.length,
      // Only what the fix needs of the facts waits for its turn.
      made: { kind: 'rule', group: shell, signals: signalLists.shared(signals), scope: fixScopeFacts(facts) },
    });
  }
  yield;
  for (const { members, ...campaign } of groupCampaignMembers(noise.indexes(), (i) => explained.at(noise.rowAt(i)), prior)) {
    yield;
    const matched = new Set<string>();
    let records = 0;
    for (const i of members) {
      for (const signal of noise.signalsAt(i)) matched.add(signal);
      records += explained.at(noise.rowAt(i)).flow.records;
    }
    pending.push({
      fingerprint: campaign.fingerprint,
      ...CAMPAIGN_RANK,
      traffic: { records },
      rowsAt: pendingRows.add(members.length, (i) => noise.rowAt(members[i])),
      rowCount: members.length,
      made: {
        kind: 'campaign',
        group: campaign,
        signals: NOISE_SIGNALS.filter((signal) => matched.has(signal)),
        signalIds: Int32Array.from(members, (i) => noise.signalIdAt(i)),
      },
    });
  }
  pending.sort(compareFindings);
  yield;
  stats.coverage = {
    undecided: groupUndecided(model, explained.each(rejected.filter((row) => explained.verdictAt(row).verdict === 'unknown'))),
    degradedSignals: degradedSignals(snapshot, aggregates, { skipdata: options.inputStats?.skipdata }),
  };
  if (options.inputStats) stats.input = { ...options.inputStats };
  const verifier = options.verifier ?? createFixVerifier(snapshot, ctx, model);
  const kept = explained.keepOnly(pending, pendingRows);
  return { stats, total: pending.length, findings: finishInOrder(pending, kept, noise, model, verifier, stats) };
}

/** A rule group with what was decided of it: its facts, classification and signals. */
interface WeighedGroup {
  shell: Omit<FindingGroup, 'flows'>;
  members: Int32Array;
  group: FindingGroup;
  facts: SignalFacts;
  classification: Classification;
  signals: Signal[];
}

/**
 * The clients of a group decided `likely-noise`, weighed on their own, when their own evidence is
 * not noise; otherwise null. A client here is a peer that behaves as a refused client does and a
 * probe does not (`persistentClient`): it kept trying over time and, over TCP, retransmitted its
 * SYNs. A partner refused on a port a botnet also knocks on once from each address shares the
 * group with the botnet, whose one-record sources make the whole look like noise: weighed apart,
 * the partner keeps a rule finding (and a fix for its addresses only, the probes being left out
 * of the group), the botnet its campaign. A group without such clients, or of them only, is
 * decided as a whole, as before; so is a scanner that comes back hours later with lone SYNs.
 */
function clientPart(
  weighed: WeighedGroup,
  explained: ExplainedRows,
  weigh: (shell: Omit<FindingGroup, 'flows'>, members: Int32Array) => WeighedGroup,
): WeighedGroup | null {
  const { facts } = weighed;
  const clients = new Set(facts.peers.filter((peer) => persistentClient(facts, peer)).map((peer) => peer.address));
  if (clients.size === 0 || clients.size === facts.peers.length) return null;
  const rows = weighed.members.filter((row) => clients.has(peerAddressOf(explained.at(row))));
  // The clients' flows share the group's key: one group, whose further controls are their own.
  const regrouped = groupBlockedRows(rows, (row) => explained.at(row));
  const [{ start, end, ...shell }] = regrouped.groups;
  const part = weigh(shell, regrouped.rows.subarray(start, end));
  return part.classification === 'likely-noise' ? null : part;
}

/**
 * A peer that behaves as a refused client and no probe: not a suspect of the fix scope, at least
 * two records spread over `retryMinSpanSeconds` and, over TCP, more packets than records (its SYNs
 * retransmitted; scanners send one and move on, and come back with one again).
 */
function persistentClient(facts: SignalFacts, peer: PeerFacts): boolean {
  if (suspectReason(facts, peer) !== null) return false;
  if (peer.records < 2 || peer.lastSeen - peer.firstSeen < FIX_SCOPE.retryMinSpanSeconds) return false;
  return facts.protocol !== PROTOCOL_TCP || peer.packets > peer.records;
}

/**
 * The group an unknown verdict is shared in: its coverage reason, with what else of the flow that
 * reason is read from (whether the snapshot has its interface), so the report, reading the shared
 * verdict's reason beside each flow, puts every flow where its own reason would.
 */
function undecidedGroupOf(model: NetworkModel, flow: FlowAggregate, verdict: FlowVerdict): string {
  return `${undecidedReason(model, flow, verdict)}|${model.interface(flow.interfaceId) ? 'known' : 'absent'}`;
}

/**
 * One list per distinct list of signals: tens of thousands of pending findings share a few dozen
 * (a finding's list is never changed once decided).
 */
class SignalLists {
  private readonly lists = new Map<string, string[]>();

  shared(signals: string[]): string[] {
    const key = signals.join(',');
    const known = this.lists.get(key);
    if (known) return known;
    this.lists.set(key, signals);
    return signals;
  }
}

/** Noise flows as rows of the input, each with its signals: the lists are few, each kept once. */
class NoiseRows {
  private readonly rows: number[] = [];
  private readonly signalIds: number[] = [];
  private readonly signalLists: (readonly string[])[] = [];
  private readonly listIds = new Map<string, number>();

  add(row: number, signals: readonly string[]): void {
    const key = signals.join(',');
    let id = this.listIds.get(key);
    if (id === undefined) {
      id = this.signalLists.push(signals) - 1;
      this.listIds.set(key, id);
    }
    this.rows.push(row);
    this.signalIds.push(id);
  }

  rowAt(i: number): number {
    return this.rows[i];
  }

  signalsAt(i: number): readonly string[] {
    return this.signalLists[this.signalIds[i]];
  }

  signalIdAt(i: number): number {
    return this.signalIds[i];
  }

  /** The signals of a list by its id (`signalIdAt`). */
  signalList(id: number): readonly string[] {
    return this.signalLists[id];
  }

  /** 0, 1, … one per noise flow, in the order they were added. */
  *indexes(): Generator<number> {
    for (let i = 0; i < this.rows.length; i++) yield i;
  }
}

/**
 * Yields the pending findings in report order, making each one's Finding (its traffic summary,
 * or its campaign's) and suggesting each rule finding's fix as its turn comes with one ledger, so
 * NACL rule numbers never collide between findings and the same input always gets the same
 * numbers. Noise never gets a fix (opening a port to scanners is not a
 * remedy): it is all in campaigns. Nor does a scanner among the peers of any other finding
 * (`scopedFix`). A yielded finding is let go of here.
 */
function* finishInOrder(
  pending: (PendingFinding | null)[],
  kept: { rows: ExplainedRows; starts: Int32Array },
  noise: NoiseRows,
  model: NetworkModel,
  verifier: FixVerifier,
  stats: DiagnoseStats,
): Generator<DiagnosedFinding> {
  const ledger = new NaclRuleNumberLedger();
  const flowsOf = (i: number) => kept.rows.range(kept.starts[i], kept.starts[i + 1]);
  // The set search reads a finding's flows one by one, and stops at the first it cannot use.
  const eachFlowOf = function* (i: number): Generator<ExplainedFlow> {
    for (let row = kept.starts[i]; row < kept.starts[i + 1]; row++) yield kept.rows.at(row);
  };
  const hostPorts = dynamicHostPortSets(
    model,
    pending.map((p, i) => (p?.made.kind === 'rule' ? { group: p.made.group, flows: () => eachFlowOf(i) } : null)),
  );
  // The shells of the sets' findings, kept past their turn: a set's rule is verified over all of them.
  const shells = new Map<number, Omit<FindingGroup, 'flows'>>();
  for (const i of hostPorts.keys()) shells.set(i, (pending[i]!.made as PendingRule).group);
  for (let i = 0; i < pending.length; i++) {
    const { made, classification, severity } = pending[i]!;
    pending[i] = null;
    const flows = flowsOf(i);
    let finding: Finding;
    if (made.kind === 'rule') {
      const group: FindingGroup = { ...made.group, flows };
      finding = {
        kind: 'rule',
        fingerprint: group.fingerprint,
        classification,
        severity,
        signals: made.signals,
        blockedBy: group.blockedBy,
        traffic: summarizeTraffic(group, model),
        suggestedFix: null,
      };
      const { fix, note, farEndBlockedBy } = scopedFix(model, group, made.scope, verifier, ledger);
      // The group's further controls where it was logged, then those at the far end the fix opens too.
      const farEnd = farEndBlockedBy.filter((c) => !group.alsoBlockedBy.some((own) => sameControl(own, c)));
      if (group.alsoBlockedBy.length || farEnd.length) finding.alsoBlockedBy = [...group.alsoBlockedBy, ...farEnd];
      finding.suggestedFix = fix;
      if (note) finding.fixNote = note;
      const stale = staleRulesFor(model, [group.blockedBy, ...group.alsoBlockedBy], group.protocol, group.port, flows.map(peerAddressOf));
      if (stale.length) finding.staleRules = stale;
      const set = hostPorts.get(i);
      if (set && group.port !== null) {
        const memberGroup = (member: number): FindingGroup => ({ ...shells.get(member)!, flows: flowsOf(member) });
        finding.dynamicHostPorts = dynamicHostPortsOf(model, set, group.port, fix, memberGroup, verifier);
      }
    } else {
      const { signalIds } = made;
      const members: NoiseFlow[] = flows.map((item, k) => ({ explained: item, signals: noise.signalList(signalIds[k]) }));
      finding = summarizeCampaign({ ...made.group, flows: members }, model, made.signals);
      const note = natGatewayNote(model, members);
      if (note) finding.fixNote = note;
    }
    stats.findings.total++;
    stats.findings.byKind[finding.kind]++;
    stats.findings.byClassification[finding.classification]++;
    stats.findings.bySeverity[finding.severity]++;
    if (finding.suggestedFix) {
      stats.fixes.suggested++;
      if (finding.suggestedFix.verified) stats.fixes.verified++;
    }
    yield { finding, flows };
  }
}
