import { SIGNAL_THRESHOLDS, type Signal } from './signals';
import type { PeerFacts, SignalFacts } from './signal-facts';

const TCP = 6;
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;

function recordShare(peers: PeerFacts[], total: number, predicate: (peer: PeerFacts) => boolean): number {
  if (total <= 0) return 0;
  return peers.filter(predicate).reduce((sum, peer) => sum + peer.records, 0) / total;
}

/** Every signal the facts match, in the documented order (noise first, then misconfiguration). */
export function detectSignals(facts: SignalFacts): Signal[] {
  const signals: Signal[] = [];
  const t = SIGNAL_THRESHOLDS;
  const peerRecords = facts.peers.reduce((sum, peer) => sum + peer.records, 0);
  if (facts.blockPublicAccess) signals.push('block-public-access');
  if (!facts.returnTraffic) {
    if (recordShare(facts.peers, peerRecords, (p) => p.maxPortsOnOneHost >= t.portScanMinPorts) >= t.scannerRecordShare) {
      signals.push('port-scan');
    }
    if (recordShare(facts.peers, peerRecords, (p) => p.hostsReached >= t.hostSweepMinHosts) >= t.scannerRecordShare) {
      signals.push('host-sweep');
    }
    if (facts.peers.some((p) => !p.internal) && !facts.portOpenToAnyPeer) signals.push('closed-port-internet');
  }
  if (facts.records > 0 && facts.packets <= facts.records) signals.push('single-packet');
  if (facts.protocol === TCP && facts.tcpFlags !== null && (facts.tcpFlags & SYN) === 0 && (facts.tcpFlags & (FIN | RST)) !== 0) {
    signals.push('late-close');
  }
  if (facts.peers.length > 0 && facts.peers.every((p) => p.internal)) signals.push('internal-peer');
  if (facts.peers.length > 0 && facts.peers.every((p) => p.knownEni)) signals.push('peer-is-known-eni');
  if (facts.records >= t.repeatedMinRecords && facts.lastSeen - facts.firstSeen >= t.repeatedMinSpanSeconds) {
    signals.push('repeated-over-time');
  }
  if (facts.returnTraffic) signals.push('return-traffic');
  if (facts.portOpenToAnyPeer) signals.push('port-open-to-other-peers');
  if (facts.acceptedFromOtherPeers) signals.push('service-accepted-from-other-peers');
  return signals;
}
