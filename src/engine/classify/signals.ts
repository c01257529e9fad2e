import type { Classification } from '../findings/finding';

/** Signal names, as findings list them. SIGNALS.md documents each one. */
export const NOISE_SIGNALS = [
  'port-scan',
  'host-sweep',
  'closed-port-internet',
  'single-packet',
  'late-close',
  'transient-internet-sources',
  'unsolicited-reply',
  'brute-force',
  'to-nat-gateway',
] as const;
export const MISCONFIGURATION_SIGNALS = [
  'internal-peer',
  'peer-is-known-eni',
  'repeated-over-time',
  'return-traffic',
  'port-open-to-other-peers',
  'service-accepted-from-other-peers',
  'initiated-inside',
] as const;
/** Neither noise nor misconfiguration: the flow was not refused by a rule sgdoctor can change. */
export const OTHER_SIGNALS = ['block-public-access'] as const;

export type NoiseSignal = (typeof NOISE_SIGNALS)[number];
export type MisconfigurationSignal = (typeof MISCONFIGURATION_SIGNALS)[number];
export type Signal = NoiseSignal | MisconfigurationSignal | (typeof OTHER_SIGNALS)[number];

/**
 * Weights: how strongly each signal points one way. Strong (3–4): behaviour legitimate clients do
 * not show (a scan, a lone SYN never retransmitted, packets after close). Medium (2): good
 * evidence with known exceptions. Weak (1): common on both sides, only tips a balance.
 */
export const SIGNAL_WEIGHTS: Record<NoiseSignal | MisconfigurationSignal, number> = {
  'port-scan': 3,
  'host-sweep': 3,
  'closed-port-internet': 2,
  'single-packet': 3,
  'late-close': 4,
  'transient-internet-sources': 2,
  'unsolicited-reply': 4,
  'brute-force': 3,
  'to-nat-gateway': 4,
  'internal-peer': 1,
  'peer-is-known-eni': 2,
  'repeated-over-time': 2,
  'return-traffic': 2,
  'port-open-to-other-peers': 1,
  'service-accepted-from-other-peers': 2,
  'initiated-inside': 2,
};

/** Thresholds used by the signal detectors (see SIGNALS.md). */
export const SIGNAL_THRESHOLDS = {
  /** A source that reached at least this many distinct ports of one host is scanning ports. */
  portScanMinPorts: 10,
  /** A source that reached at least this many distinct hosts is sweeping hosts. */
  hostSweepMinHosts: 10,
  /** Scanner sources must account for at least this share of a finding's records. */
  scannerRecordShare: 0.5,
  /** Transient internet sources: at least this many internet peers, most records from one-record peers. */
  transientMinPeers: 3,
  /** One peer's attempts spread over at least this many seconds, in at least `repeatedMinRecords` records. */
  repeatedMinSpanSeconds: 600,
  repeatedMinRecords: 2,
  /**
   * An internet source hammering a remote-login service: at least this many connection attempts
   * (records) an hour on average over its activity (an hour at least), two a minute. A person
   * retries a refused login a few times; a job that connects every minute (a deployment, a backup)
   * stays under; a password-guessing bot keeps going faster.
   */
  bruteForceMinAttemptsPerHour: 120,
  /** Minimum score for a classification, and it must beat the other side's score. */
  minScore: 2,
} as const;

/**
 * TCP services whose logins bots guess at from the internet: FTP, SSH, Telnet, SMB, RDP, VNC,
 * WinRM. Their refused connections at a rate no person keeps up are password guessing, whatever
 * else they show; elsewhere (an API partner's batch) a high rate is no such sign.
 */
export const REMOTE_LOGIN_TCP_PORTS: ReadonlySet<number> = new Set([21, 22, 23, 445, 3389, 5900, 5985, 5986]);

export interface ClassificationResult {
  classification: Classification;
  signals: Signal[];
  noiseScore: number;
  misconfigurationScore: number;
}

const isNoise = (signal: Signal): signal is NoiseSignal => (NOISE_SIGNALS as readonly string[]).includes(signal);
const isMisconfiguration = (signal: Signal): signal is MisconfigurationSignal =>
  (MISCONFIGURATION_SIGNALS as readonly string[]).includes(signal);

/** Noise signals that decide alone: the REJECT is no rule problem, whatever else the traffic shows. */
const DECIDING_NOISE_SIGNALS: readonly Signal[] = ['late-close', 'unsolicited-reply', 'to-nat-gateway'];

/**
 * The decision from matched signals: `late-close`, `unsolicited-reply` and `to-nat-gateway` alone
 * decide noise (the REJECT is not a rule problem: packets after the connection closed, replies to
 * no request, a connection opened towards a NAT gateway, which accepts none);
 * `block-public-access` is `uncertain` (no SG or NACL to change). Otherwise the side
 * whose weight sum reaches `minScore` and beats the other wins; ties and weak evidence are
 * `uncertain`. A diagnosis decides its rule groups from `detectSignals`, which never matches
 * `unsolicited-reply` or `to-nat-gateway`: those signals are told flow by flow (`scannerSignals`),
 * and their flows go to the campaigns before any group is made.
 */
export function decideClassification(signals: Signal[]): ClassificationResult {
  const noiseScore = signals.filter(isNoise).reduce((sum, s) => sum + SIGNAL_WEIGHTS[s], 0);
  const misconfigurationScore = signals.filter(isMisconfiguration).reduce((sum, s) => sum + SIGNAL_WEIGHTS[s], 0);
  const result = (classification: Classification): ClassificationResult => ({ classification, signals, noiseScore, misconfigurationScore });
  if (signals.some((signal) => DECIDING_NOISE_SIGNALS.includes(signal))) return result('likely-noise');
  if (signals.includes('block-public-access')) return result('uncertain');
  if (misconfigurationScore >= SIGNAL_THRESHOLDS.minScore && misconfigurationScore > noiseScore) return result('likely-misconfiguration');
  if (noiseScore >= SIGNAL_THRESHOLDS.minScore && noiseScore > misconfigurationScore) return result('likely-noise');
  return result('uncertain');
}
