import type { Classification, Finding, FindingInterface, Severity } from './finding';

/** Thresholds of the severity rule (documented in src/engine/classify/SIGNALS.md). */
export const SEVERITY_THRESHOLDS = {
  highRecords: 100,
  highPeers: 5,
  highInterfaces: 3,
  criticalRecords: 1000,
} as const;

/** Owners whose interfaces carry traffic for many others: a block there hurts everyone behind them. */
const SHARED_INFRASTRUCTURE = /^(elb:|nat-|vpce-)/;

/**
 * How many distinct things the finding hurts: interfaces counted by owner (a load balancer, a
 * Lambda function or an instance with several interfaces is one), an interface with no known
 * owner by itself.
 */
function ownerCount(interfaces: readonly Pick<FindingInterface, 'id' | 'owner'>[]): number {
  return new Set(interfaces.map((i) => (i.owner === null ? `eni:${i.id}` : `owner:${i.owner}`))).size;
}

/**
 * Severity of a finding:
 * - `low`: likely noise, or uncertain (nothing shows real traffic is hurt);
 * - `critical`: likely misconfiguration with at least 1,000 records spread over time
 *   (`repeated-over-time`): sustained breakage of busy traffic;
 * - `high`: likely misconfiguration with at least 100 records, 5 peers or interfaces of 3 distinct
 *   owners (`ownerCount`), or on a load balancer, NAT gateway or VPC endpoint interface (shared
 *   infrastructure);
 * - `medium`: any other likely misconfiguration.
 */
export function severityOf(classification: Classification, signals: readonly string[], traffic: TrafficScale): Severity {
  if (classification !== 'likely-misconfiguration') return 'low';
  const t = SEVERITY_THRESHOLDS;
  if (traffic.records >= t.criticalRecords && signals.includes('repeated-over-time')) return 'critical';
  const peers = traffic.peerCount ?? traffic.peers.length;
  const shared = traffic.interfaces.some((i) => i.owner !== null && SHARED_INFRASTRUCTURE.test(i.owner));
  if (traffic.records >= t.highRecords || peers >= t.highPeers || ownerCount(traffic.interfaces) >= t.highInterfaces || shared) {
    return 'high';
  }
  return 'medium';
}

/** What severity reads of a finding's traffic: its records, how many peers, and the interfaces with their owners. */
export type TrafficScale = Pick<Finding['traffic'], 'records' | 'peers' | 'peerCount'> & {
  interfaces: readonly Pick<FindingInterface, 'id' | 'owner'>[];
};

/** What report order reads of a finding. */
export type Ranked = Pick<Finding, 'severity' | 'classification' | 'fingerprint'> & { traffic: Pick<Finding['traffic'], 'records'> };

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const CLASSIFICATION_RANK: Record<Classification, number> = { 'likely-misconfiguration': 0, uncertain: 1, 'likely-noise': 2 };

/** Report order: severity, then classification, then records (most first), then fingerprint. */
export function compareFindings(a: Ranked, b: Ranked): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    CLASSIFICATION_RANK[a.classification] - CLASSIFICATION_RANK[b.classification] ||
    b.traffic.records - a.traffic.records ||
    (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)
  );
}
