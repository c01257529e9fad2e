import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../src/engine/findings/finding';
import { pathQueryOfFinding } from '../../../../src/engine/path/finding-path';

function finding(direction: 'ingress' | 'egress', returnTraffic: boolean, peers: Finding['traffic']['peers']): Finding {
  return {
    kind: 'rule',
    fingerprint: 'f',
    classification: 'likely-misconfiguration',
    severity: 'high',
    signals: [],
    blockedBy: { control: 'security-group', direction, groupIds: ['sg-app'] },
    traffic: {
      direction,
      protocol: 6,
      port: 8443,
      returnTraffic,
      interfaces: [
        { id: 'eni-app', owner: 'i-app', records: 9 },
        { id: 'eni-app-2', owner: 'i-app-2', records: 3 },
      ],
      peers,
      records: 12,
      packets: 12,
      bytes: 720,
      firstSeen: '2026-11-24T00:00:00Z',
      lastSeen: '2026-11-24T01:00:00Z',
    },
    suggestedFix: null,
  };
}

const batch = { address: '10.20.30.41', interface: 'eni-batch', records: 10 };
const internet = { address: '203.0.113.9', records: 2 };

describe('the path a finding asks about', () => {
  const cases: Array<{ name: string; direction: 'ingress' | 'egress'; returnTraffic: boolean; from: string; to: string }> = [
    { name: 'refused inbound request: peer → interface', direction: 'ingress', returnTraffic: false, from: 'eni-batch', to: 'eni-app' },
    { name: 'refused outbound request: interface → peer', direction: 'egress', returnTraffic: false, from: 'eni-app', to: 'eni-batch' },
    {
      name: 'refused inbound reply: the interface opened the connection',
      direction: 'ingress',
      returnTraffic: true,
      from: 'eni-app',
      to: 'eni-batch',
    },
    {
      name: 'refused outbound reply: the peer opened the connection',
      direction: 'egress',
      returnTraffic: true,
      from: 'eni-batch',
      to: 'eni-app',
    },
  ];
  it.each(cases)('$name', ({ direction, returnTraffic, from, to }) => {
    expect(pathQueryOfFinding(finding(direction, returnTraffic, [batch, internet]))).toEqual({ from, to, protocol: 6, port: 8443 });
  });

  it('asks a peer outside the snapshot by address, and takes the interface and peer named', () => {
    const f = finding('ingress', false, [batch, internet]);
    expect(pathQueryOfFinding(f, { interfaceId: 'eni-app-2', peer: '203.0.113.9' })).toEqual({
      from: '203.0.113.9',
      to: 'eni-app-2',
      protocol: 6,
      port: 8443,
    });
    expect(pathQueryOfFinding(f, { peer: 'eni-batch' })?.from).toBe('eni-batch');
  });

  it("is null when the named interface or peer is not the finding's, or it has no peer", () => {
    const f = finding('ingress', false, [batch]);
    expect(pathQueryOfFinding(f, { interfaceId: 'eni-other' })).toBeNull();
    expect(pathQueryOfFinding(f, { peer: '192.0.2.1' })).toBeNull();
    expect(pathQueryOfFinding(finding('ingress', false, []))).toBeNull();
  });
});
