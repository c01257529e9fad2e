import { describe, expect, it } from 'vitest';

import { detectSignals } from '../../../../src/engine/classify/detect-signals';
import { scannerSignals } from '../../../../src/engine/classify/scanner-flow';
import type { PeerFacts, SignalFacts } from '../../../../src/engine/classify/signal-facts';
import { decideClassification } from '../../../../src/engine/classify/signals';
import { TrafficContext } from '../../../../src/engine/classify/traffic-context';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { OPEN, W1, allow, baseWorld, natGatewayEni } from '../../../support/factories/scenario-network';

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

describe('to-nat-gateway: a connection opened towards a NAT gateway’s own address', () => {
  const NAT_PRIVATE = '10.0.7.5';
  const NAT_PUBLIC = '3.90.0.5';
  /** A NAT gateway in a public subnet whose NACL admits only HTTP from the VPC (its answers are refused too), and an instance beside it. */
  const model = NetworkModel.fromSnapshot(
    baseWorld()
      .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
      .acl('acl-public', [allow(100, '10.0.0.0/16', '6', [80, 80])], OPEN)
      .group('sg-bastion', 'vpc-main')
      .eni(natGatewayEni(NAT_PRIVATE, NAT_PUBLIC))
      .eni({ id: 'eni-bastion', subnet: 'subnet-public', ip: '10.0.7.20', publicIp: '3.90.0.20', groups: ['sg-bastion'] })
      .snapshot(),
  );

  const signalsOf = (fields: Partial<FlowAggregate>, accepted: FlowAggregate[] = []) => {
    const flow = flowAggregate({ interfaceId: 'eni-nat1', flowDirection: 'ingress', records: 4, packets: 12, lastSeen: 1800, ...fields });
    const verdict = explainFlow(model, flow, { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) });
    expect(verdict.verdict).toBe('blocked');
    return scannerSignals({ flow, verdict }, model, TrafficContext.build([], accepted));
  };

  it.each([
    { name: 'an internet host retrying SSH to its public address', src: '198.51.100.23', dst: NAT_PUBLIC },
    { name: 'an internet host retrying SSH to its private address', src: '198.51.100.23', dst: NAT_PRIVATE },
    { name: 'an instance of the VPC retrying SSH to its private address', src: W1, dst: NAT_PRIVATE },
  ])('matches $name', ({ src, dst }) => {
    expect(signalsOf({ srcaddr: src, dstaddr: dst, srcport: 51000, dstport: 22 })).toEqual(['to-nat-gateway']);
  });

  it('matches a request to one of its ports 1024–65535 from a higher port that nothing shows it asked for', () => {
    expect(signalsOf({ srcaddr: '198.51.100.23', dstaddr: NAT_PRIVATE, srcport: 51000, dstport: 3389 })).toEqual(['to-nat-gateway']);
  });

  it('leaves its return traffic alone: answers from a service port to its client port', () => {
    expect(signalsOf({ srcaddr: '203.0.113.50', dstaddr: NAT_PRIVATE, srcport: 443, dstport: 40000, tcpFlags: 18 })).toEqual([]);
  });

  it('leaves what it forwards alone: an instance’s connection through it to the internet', () => {
    expect(signalsOf({ srcaddr: '10.0.1.10', dstaddr: '203.0.113.50', srcport: 40000, dstport: 22 })).toEqual([]);
  });

  it('never matches another interface’s own address (the bastion beside it)', () => {
    const flow = flowAggregate({
      interfaceId: 'eni-bastion',
      flowDirection: 'ingress',
      srcaddr: '198.51.100.23',
      dstaddr: '10.0.7.20',
      srcport: 51000,
      dstport: 22,
      records: 4,
      packets: 12,
      lastSeen: 1800,
    });
    const verdict = explainFlow(model, flow);
    expect(verdict.verdict).toBe('blocked');
    expect(scannerSignals({ flow, verdict }, model, TrafficContext.build([], []))).toEqual([]);
  });

  it('decides noise alone, whatever points to a misconfiguration', () => {
    const result = decideClassification(['to-nat-gateway', 'internal-peer', 'peer-is-known-eni', 'repeated-over-time']);
    expect(result.classification).toBe('likely-noise');
  });
});
