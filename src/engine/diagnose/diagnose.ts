import { signalFacts } from '../classify/classify-finding';
import { detectSignals } from '../classify/detect-signals';
import { scannerSignals } from '../classify/scanner-flow';
import { decideClassification, NOISE_SIGNALS } from '../classify/signals';
import { degradedSignals, groupUndecided } from '../coverage/analysis-coverage';
import { TrafficContext } from '../classify/traffic-context';
import { type ExplainContext, explainFlow } from '../evaluate/explain-flow';
import { ReturnTrafficIndex } from '../evaluate/return-traffic-index';
import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { Finding } from '../findings/finding';
import { groupCampaigns, type NoiseFlow, priorCampaignKey, type PriorCampaigns } from '../findings/campaign-group';
import { groupBlockedFlows } from '../findings/finding-group';
import { compareFindings, severityOf } from '../findings/severity';
import { summarizeCampaign } from '../findings/summarize-campaign';
import { summarizeTraffic } from '../findings/summarize-traffic';
import type { FlowAggregate } from '../flow-log/flow-record';
import { NaclRuleNumberLedger } from '../fixes/nacl-rule-number-ledger';
import { scopedFix } from '../fixes/fix-scope';
import type { FixVerifier } from '../fixes/suggest-fix';
import { createFixVerifier } from '../fixes/verify-fix';
import { NetworkModel } from '../network/network-model';
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
export function diagnosisBasis(snapshot: NetworkSnapshot, aggregates: readonly FlowAggregate[]): DiagnosisBasis {
  return {
    model: NetworkModel.fromSnapshot(snapshot),
    context: { returnTraffic: ReturnTrafficIndex.fromFlows(aggregates.filter((flow) => flow.action === 'ACCEPT')) },
  };
}

export interface DiagnoseResult {
  findings: Finding[];
  stats: DiagnoseStats;
  /** The rejected flows each finding stands for, by fingerprint (every blocked flow is in exactly one). */
  flowsByFingerprint: Map<string, FlowAggregate[]>;
  /** The same flows with the verdicts diagnose gave them, by fingerprint: a caller never explains them again. */
  evidence: Map<string, ExplainedFlow[]>;
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
 * internet scanners are set aside first (`scannerSignals`); the other blocked flows are grouped by
 * rule, classified, given a severity and — unless noise — a verified smallest fix. Noise (the
 * scanners' flows and the rule groups classified `likely-noise`) is regrouped into campaigns, one
 * finding each. Pure and deterministic: the same input in any order gives the same findings in
 * the same order.
 */
export function diagnose(snapshot: NetworkSnapshot, aggregates: readonly FlowAggregate[], options: DiagnoseOptions = {}): DiagnoseResult {
  const { model, context: ctx } = options.basis ?? diagnosisBasis(snapshot, aggregates);
  const stats = emptyStats();
  const accepted = aggregates.filter((flow) => flow.action === 'ACCEPT');
  const rejected: ExplainedFlow[] = [];
  for (const flow of aggregates) {
    stats.flows++;
    stats.records += flow.records;
    if (flow.action === 'ACCEPT') {
      stats.acceptedRecords += flow.records;
      continue;
    }
    stats.rejectedRecords += flow.records;
    const verdict = explainFlow(model, flow, ctx);
    const bucket = stats.rejected[verdict.verdict];
    bucket.flows++;
    bucket.records += flow.records;
    if (verdict.returnTraffic) {
      stats.rejected.returnTraffic.flows++;
      stats.rejected.returnTraffic.records += flow.records;
    }
    rejected.push({ flow, verdict });
  }
  const context = TrafficContext.build(rejected, accepted);
  const verifier = options.verifier ?? createFixVerifier(snapshot, ctx, model);
  const noise: NoiseFlow[] = [];
  const byRule: ExplainedFlow[] = [];
  for (const item of rejected) {
    const signals = scannerSignals(item, model, context);
    if (signals.length) noise.push({ explained: item, signals });
    else byRule.push(item);
  }
  const evidence = new Map<string, ExplainedFlow[]>();
  const prior: PriorCampaigns = options.priorCampaigns ?? new Map();
  const entries = groupBlockedFlows(byRule).flatMap((group) => {
    const facts = signalFacts(group, model, context);
    const { classification, signals } = decideClassification(detectSignals(facts));
    // Undecided traffic that only sources of known campaigns sent is theirs (a narrow window may
    // lack the evidence a whole day gives); a likely misconfiguration is never taken from its group.
    const known = (item: ExplainedFlow) => prior.has(priorCampaignKey(item.verdict.direction, peerAddressOf(item)));
    if (classification === 'likely-noise' || (classification === 'uncertain' && prior.size > 0 && group.flows.every(known))) {
      for (const explained of group.flows) noise.push({ explained, signals });
      return [];
    }
    evidence.set(group.fingerprint, group.flows);
    const traffic = summarizeTraffic(group, model);
    const finding: Finding = {
      kind: 'rule',
      fingerprint: group.fingerprint,
      classification,
      severity: severityOf(classification, signals, traffic),
      signals,
      blockedBy: group.blockedBy,
      traffic,
      suggestedFix: null,
    };
    if (group.alsoBlockedBy.length) finding.alsoBlockedBy = group.alsoBlockedBy;
    return [{ finding, group, facts }];
  });
  const campaigns = groupCampaigns(noise, prior).map((campaign) => {
    evidence.set(
      campaign.fingerprint,
      campaign.flows.map((item) => item.explained),
    );
    const matched = new Set(campaign.flows.flatMap((item) => item.signals));
    return summarizeCampaign(
      campaign,
      model,
      NOISE_SIGNALS.filter((signal) => matched.has(signal)),
    );
  });
  entries.sort((a, b) => compareFindings(a.finding, b.finding));
  // Fixes are suggested in report order with one ledger, so NACL rule numbers never collide
  // between findings and the same input always gets the same numbers.
  const ledger = new NaclRuleNumberLedger();
  // Noise never gets a fix (opening a port to scanners is not a remedy): it is all in campaigns.
  // Nor does a scanner among the peers of any other finding (`scopedFix`).
  for (const { finding, group, facts } of entries) {
    const { fix, note } = scopedFix(model, group, facts, verifier, ledger);
    finding.suggestedFix = fix;
    if (note) finding.fixNote = note;
  }
  const findings = [...entries.map((entry) => entry.finding), ...campaigns].sort(compareFindings);
  for (const finding of findings) {
    stats.findings.total++;
    stats.findings.byKind[finding.kind]++;
    stats.findings.byClassification[finding.classification]++;
    stats.findings.bySeverity[finding.severity]++;
    if (finding.suggestedFix) {
      stats.fixes.suggested++;
      if (finding.suggestedFix.verified) stats.fixes.verified++;
    }
  }
  stats.coverage = {
    undecided: groupUndecided(
      model,
      rejected.filter((item) => item.verdict.verdict === 'unknown'),
    ),
    degradedSignals: degradedSignals(snapshot, aggregates, { skipdata: options.inputStats?.skipdata }),
  };
  if (options.inputStats) stats.input = { ...options.inputStats };
  const flowsByFingerprint = new Map([...evidence].map(([fingerprint, items]) => [fingerprint, items.map((item) => item.flow)]));
  return { findings, stats, flowsByFingerprint, evidence };
}
