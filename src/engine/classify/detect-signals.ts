import { REMOTE_LOGIN_TCP_PORTS, SIGNAL_THRESHOLDS, type Signal } from './signals';
import type { PeerFacts, SignalFacts } from './signal-facts';

const TCP = 6;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;

function recordShare(peers: PeerFacts[], total: number, predicate: (peer: PeerFacts) => boolean): number {
  if (total <= 0) return 0;
  return peers.filter(predicate).reduce((sum, peer) => sum + peer.records, 0) / total;
}

const HOUR_SECONDS = 3600;

/**
 * An internet peer guessing passwords: an inbound TCP request to a remote-login service
 * (`REMOTE_LOGIN_TCP_PORTS`), at least `bruteForceMinAttemptsPerHour` attempts (records) an hour
 * over its activity, taken as an hour at least. Such a peer retries, and may retransmit, as a
 * refused client does, so neither its persistence nor its packets make it a client.
 */
export function isBruteForcer(facts: SignalFacts, peer: PeerFacts): boolean {
  if (peer.internal || facts.direction !== 'ingress' || facts.returnTraffic || facts.protocol !== TCP) return false;
  if (facts.port === undefined || facts.port === null || !REMOTE_LOGIN_TCP_PORTS.has(facts.port)) return false;
  const hours = Math.max(1, (peer.lastSeen - peer.firstSeen) / HOUR_SECONDS);
  return peer.records / hours >= SIGNAL_THRESHOLDS.bruteForceMinAttemptsPerHour;
}

/**
 * Every signal the facts match, noise signals first. SIGNALS.md documents each; thresholds are
 * in `SIGNAL_THRESHOLDS`. `unsolicited-reply` is not among them: it is told flow by flow
 * (`scannerSignals`), and the diagnosis sets those flows aside before it groups the others.
 */
export function detectSignals(facts: SignalFacts): Signal[] {
  const signals: Signal[] = [];
  const t = SIGNAL_THRESHOLDS;
  const peerRecords = facts.peers.reduce((sum, peer) => sum + peer.records, 0);
  const request = !facts.returnTraffic;
  const inbound = request && facts.direction === 'ingress';
  const internet = facts.peers.filter((p) => !p.internal);
  if (facts.blockPublicAccess) signals.push('block-public-access');
  if (inbound && recordShare(facts.peers, peerRecords, (p) => p.maxPortsOnOneHost >= t.portScanMinPorts) >= t.scannerRecordShare) {
    signals.push('port-scan');
  }
  if (inbound && recordShare(facts.peers, peerRecords, (p) => p.hostsReached >= t.hostSweepMinHosts) >= t.scannerRecordShare) {
    signals.push('host-sweep');
  }
  if (inbound && internet.length > 0 && !facts.portOpenToInternet) signals.push('closed-port-internet');
  // A refused TCP connect is retransmitted by real clients, and a dropped answer (SYN-ACK) by real
  // servers; one packet per record is a probe — also one sent from a service port to look like a reply.
  if (facts.protocol === TCP && facts.records > 0 && facts.packets <= facts.records) signals.push('single-packet');
  if (facts.protocol === TCP && facts.tcpFlags !== null && (facts.tcpFlags & SYN) === 0 && (facts.tcpFlags & (FIN | RST)) !== 0) {
    signals.push('late-close');
  }
  if (recordShare(facts.peers, peerRecords, (p) => isBruteForcer(facts, p)) >= t.scannerRecordShare) signals.push('brute-force');
  if (
    inbound &&
    internet.length >= t.transientMinPeers &&
    recordShare(internet, peerRecords, (p) => p.records === 1) > t.scannerRecordShare
  ) {
    signals.push('transient-internet-sources');
  }
  if (facts.peers.length > 0 && facts.peers.every((p) => p.internal)) signals.push('internal-peer');
  if (facts.peers.length > 0 && facts.peers.every((p) => p.knownEni)) signals.push('peer-is-known-eni');
  const repeated = (p: PeerFacts) => p.records >= t.repeatedMinRecords && p.lastSeen - p.firstSeen >= t.repeatedMinSpanSeconds;
  if (recordShare(facts.peers, peerRecords, repeated) >= t.scannerRecordShare) signals.push('repeated-over-time');
  if (facts.returnTraffic) signals.push('return-traffic');
  if (facts.portSpecificallyOpen) signals.push('port-open-to-other-peers');
  if (facts.acceptedFromOtherPeers) signals.push('service-accepted-from-other-peers');
  if (request && facts.direction === 'egress') signals.push('initiated-inside');
  return signals;
}
