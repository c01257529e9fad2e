import { describe, expect, it } from 'vitest';

import { detectSignals } from '../../../../src/engine/classify/detect-signals';
import type { PeerFacts, SignalFacts } from '../../../../src/engine/classify/signal-facts';
import { decideClassification } from '../../../../src/engine/classify/signals';

const peer = (over: Partial<PeerFacts> = {}): PeerFacts => ({
  address: '10.0.0.9',
  records: 1,
  packets: 3,
  internal: true,
  knownEni: false,
  maxPortsOnOneHost: 1,
  hostsReached: 1,
  firstSeen: 0,
  lastSeen: 60,
  ...over,
});

const facts = (over: Partial<SignalFacts> = {}): SignalFacts => ({
  direction: 'ingress',
  protocol: 6,
  returnTraffic: false,
  blockPublicAccess: false,
  peers: [peer()],
  records: 1,
  packets: 3,
  firstSeen: 0,
  lastSeen: 60,
  tcpFlags: null,
  portSpecificallyOpen: false,
  portOpenToInternet: false,
  acceptedFromOtherPeers: false,
  ...over,
});

const internetPeer = (address: string, over: Partial<PeerFacts> = {}) => peer({ address, internal: false, ...over });

describe('detectSignals and decideClassification', () => {
  it.each([
    {
      name: 'known internal peer (contract example)',
      f: facts({ peers: [peer({ knownEni: true })] }),
      signals: ['internal-peer', 'peer-is-known-eni'],
      cls: 'likely-misconfiguration',
    },
    {
      name: 'port scan from the internet',
      f: facts({ peers: [internetPeer('203.0.113.5', { maxPortsOnOneHost: 400 })], packets: 1 }),
      signals: ['port-scan', 'closed-port-internet', 'single-packet'],
      cls: 'likely-noise',
    },
    {
      name: 'host sweep',
      f: facts({ peers: [internetPeer('203.0.113.6', { hostsReached: 12 })], packets: 1, portOpenToInternet: true }),
      signals: ['host-sweep', 'single-packet'],
      cls: 'likely-noise',
    },
    {
      name: 'password guessing: one internet source, 300 SSH attempts in an hour, retransmitted',
      f: facts({
        port: 22,
        peers: [internetPeer('185.220.101.7', { records: 300, packets: 600, lastSeen: 3600 })],
        records: 300,
        packets: 600,
        lastSeen: 3600,
      }),
      signals: ['closed-port-internet', 'brute-force', 'repeated-over-time'],
      cls: 'likely-noise',
    },
    {
      name: 'a job connecting over SSH every minute from one internet address: no password guessing',
      f: facts({
        port: 22,
        peers: [internetPeer('198.51.100.30', { records: 60, packets: 120, lastSeen: 3600 })],
        records: 60,
        packets: 120,
        lastSeen: 3600,
      }),
      signals: ['closed-port-internet', 'repeated-over-time'],
      cls: 'uncertain',
    },
    {
      name: 'the password guesser’s rate on HTTPS (an API partner’s batch): no password guessing',
      f: facts({
        port: 443,
        peers: [internetPeer('198.51.100.20', { records: 300, packets: 600, lastSeen: 3600 })],
        records: 300,
        packets: 600,
        lastSeen: 3600,
      }),
      signals: ['closed-port-internet', 'repeated-over-time'],
      cls: 'uncertain',
    },
    {
      name: 'an admin retrying SSH a few times over an hour: no password guessing',
      f: facts({
        port: 22,
        peers: [internetPeer('198.51.100.66', { records: 4, packets: 12, lastSeen: 3600 })],
        records: 4,
        packets: 12,
        lastSeen: 3600,
      }),
      signals: ['closed-port-internet', 'repeated-over-time'],
      cls: 'uncertain',
    },
    {
      name: 'late FIN/RST',
      f: facts({ tcpFlags: 1 | 4, peers: [peer({ knownEni: true })] }),
      signals: ['late-close', 'internal-peer', 'peer-is-known-eni'],
      cls: 'likely-noise',
    },
    {
      name: 'SYN seen: not late-close',
      f: facts({ tcpFlags: 2 | 1, peers: [internetPeer('198.51.100.1')], portOpenToInternet: true }),
      signals: [],
      cls: 'uncertain',
    },
    {
      name: 'return traffic',
      f: facts({ returnTraffic: true, peers: [internetPeer('198.51.100.1')] }),
      signals: ['return-traffic'],
      cls: 'likely-misconfiguration',
    },
    {
      name: 'repeated over time by one peer',
      f: facts({
        peers: [internetPeer('198.51.100.1', { records: 5, lastSeen: 3600 })],
        records: 5,
        packets: 15,
        lastSeen: 3600,
        portOpenToInternet: true,
      }),
      signals: ['repeated-over-time'],
      cls: 'likely-misconfiguration',
    },
    {
      name: 'many one-shot internet sources to an open service',
      f: facts({
        peers: ['1', '2', '3', '4'].map((n) => internetPeer(`203.0.113.${n}`, { firstSeen: Number(n) * 1000, lastSeen: Number(n) * 1000 })),
        records: 4,
        packets: 4,
        portSpecificallyOpen: true,
        portOpenToInternet: true,
        acceptedFromOtherPeers: true,
      }),
      signals: ['single-packet', 'transient-internet-sources', 'port-open-to-other-peers', 'service-accepted-from-other-peers'],
      cls: 'likely-noise',
    },
    {
      name: 'outbound call to the internet',
      f: facts({ direction: 'egress', peers: [internetPeer('198.51.100.240')] }),
      signals: ['initiated-inside'],
      cls: 'likely-misconfiguration',
    },
    {
      name: 'UDP single packets are not probes by themselves',
      f: facts({ protocol: 17, packets: 1, peers: [peer()] }),
      signals: ['internal-peer'],
      cls: 'uncertain',
    },
    {
      name: 'block public access',
      f: facts({ blockPublicAccess: true, peers: [peer({ knownEni: true })] }),
      signals: ['block-public-access', 'internal-peer', 'peer-is-known-eni'],
      cls: 'uncertain',
    },
  ])('$name', ({ f, signals, cls }) => {
    const detected = detectSignals(f);
    expect(detected).toEqual(signals);
    expect(decideClassification(detected).classification).toBe(cls);
  });
});
