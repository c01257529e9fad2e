import { signalFacts } from '../classify/classify-finding';
import { detectSignals } from '../classify/detect-signals';
import { decideClassification } from '../classify/signals';
import { TrafficContext } from '../classify/traffic-context';
import { type ExplainContext, explainFlow } from '../evaluate/explain-flow';
import { ReturnTrafficIndex } from '../evaluate/return-traffic-index';
import type { ExplainedFlow } from '../findings/explained-flow';
import type { Finding } from '../findings/finding';
import { groupBlockedFlows } from '../findings/finding-group';
import { compareFindings, severityOf } from '../findings/severity';
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
}

export interface DiagnoseResult {
  findings: Finding[];
  stats: DiagnoseStats;
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
      byClassification: { 'likely-misconfiguration': 0, uncertain: 0, 'likely-noise': 0 },
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
    },
    fixes: { suggested: 0, verified: 0 },
  };
}

/**
 * From a snapshot and aggregated flows (ACCEPT and REJECT; the in-process aggregator's or
 * Athena's) to findings: every REJECT is explained against the current configuration (ACCEPTs
 * feed return-traffic detection and the "accepted from other peers" signal), blocked flows are
 * grouped, classified, given a severity and — unless noise — a verified smallest fix. Pure and
 * deterministic: the same input in any order gives the same findings in the same order.
 */
export function diagnose(snapshot: NetworkSnapshot, aggregates: readonly FlowAggregate[], options: DiagnoseOptions = {}): DiagnoseResult {
  const model = NetworkModel.fromSnapshot(snapshot);
  const stats = emptyStats();
  const accepted = aggregates.filter((flow) => flow.action === 'ACCEPT');
  const ctx: ExplainContext = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
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
  const entries = groupBlockedFlows(rejected).map((group) => {
    const facts = signalFacts(group, model, context);
    const { classification, signals } = decideClassification(detectSignals(facts));
    const traffic = summarizeTraffic(group, model);
    const finding: Finding = {
      fingerprint: group.fingerprint,
      classification,
      severity: severityOf(classification, signals, traffic),
      signals,
      blockedBy: group.blockedBy,
      traffic,
      suggestedFix: null,
    };
    if (group.alsoBlockedBy.length) finding.alsoBlockedBy = group.alsoBlockedBy;
    return { finding, group, facts };
  });
  entries.sort((a, b) => compareFindings(a.finding, b.finding));
  // Fixes are suggested in report order with one ledger, so NACL rule numbers never collide
  // between findings and the same input always gets the same numbers.
  const ledger = new NaclRuleNumberLedger();
  for (const { finding, group, facts } of entries) {
    // Noise never gets a fix: opening a port to scanners is not a remedy. Nor does a scanner
    // among the peers of any other finding (`scopedFix`).
    if (finding.classification === 'likely-noise') continue;
    const { fix, note } = scopedFix(model, group, facts, verifier, ledger);
    finding.suggestedFix = fix;
    if (note) finding.fixNote = note;
  }
  const findings = entries.map((entry) => entry.finding);
  for (const finding of findings) {
    stats.findings.total++;
    stats.findings.byClassification[finding.classification]++;
    stats.findings.bySeverity[finding.severity]++;
    if (finding.suggestedFix) {
      stats.fixes.suggested++;
      if (finding.suggestedFix.verified) stats.fixes.verified++;
    }
  }
  if (options.inputStats) stats.input = { ...options.inputStats };
  return { findings, stats };
}
