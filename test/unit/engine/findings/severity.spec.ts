import { describe, expect, it } from 'vitest';
import type { Finding, FindingInterface } from '../../../../src/engine/findings/finding';
import { severityOf } from '../../../../src/engine/findings/severity';

/** A quiet finding (few records, one peer) on the given interfaces. */
function traffic(interfaces: FindingInterface[]): Finding['traffic'] {
  return {
    direction: 'ingress',
    protocol: 6,
    port: 8443,
    returnTraffic: false,
    interfaces,
    peers: [{ address: '10.0.0.9', records: 12 }],
    records: 12,
    packets: 36,
    bytes: 2160,
    firstSeen: '2026-11-24T00:00:00Z',
    lastSeen: '2026-11-24T23:00:00Z',
  };
}

const eni = (id: string, owner: string | null): FindingInterface => ({ id, owner, records: 4 });

describe('severityOf: the "3 interfaces" rule counts what owns them', () => {
  it.each<[string, FindingInterface[], string]>([
    ['three instances', [eni('eni-1', 'i-1'), eni('eni-2', 'i-2'), eni('eni-3', 'i-3')], 'high'],
    [
      'one Lambda function over three subnets is one owner',
      [eni('eni-1', 'lambda:worker'), eni('eni-2', 'lambda:worker'), eni('eni-3', 'lambda:worker')],
      'medium',
    ],
    ['an instance with three interfaces is one owner', [eni('eni-1', 'i-1'), eni('eni-2', 'i-1'), eni('eni-3', 'i-1')], 'medium'],
    ['interfaces without a known owner count one each', [eni('eni-1', null), eni('eni-2', null), eni('eni-3', null)], 'high'],
    ['two owners, one of them on two interfaces', [eni('eni-1', 'i-1'), eni('eni-2', 'i-1'), eni('eni-3', 'i-2')], 'medium'],
    ['a load balancer is shared infrastructure whatever its interface count', [eni('eni-1', 'elb:app/web')], 'high'],
  ])('%s', (_name, interfaces, want) => {
    expect(severityOf('likely-misconfiguration', ['repeated-over-time'], traffic(interfaces))).toBe(want);
  });
});
