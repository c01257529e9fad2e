import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

// The CLI contract example (contract/snapshot.json, flows.log, explain.ndjson), one aggregate per record.
const snapshot = validateSnapshot(JSON.parse(readFileSync(join(__dirname, 'fixtures/contract-snapshot.json'), 'utf8')));

function aggregate(fields: Partial<FlowAggregate>): FlowAggregate {
  return flowAggregate({
    interfaceId: 'eni-0web0000000000001',
    accountId: '444455556666',
    bytes: 1,
    firstSeen: 1700000000,
    lastSeen: 1700000060,
    ...fields,
  });
}

const accepted = aggregate({
  srcaddr: '203.0.113.5',
  dstaddr: '10.1.0.5',
  srcport: 50123,
  dstport: 443,
  action: 'ACCEPT',
  packets: 12,
  bytes: 4000,
  servicePortSide: 'dst',
  ephemeralPortMin: 50123,
  ephemeralPortMax: 50123,
});
const rejected = aggregate({
  srcaddr: '10.1.0.9',
  dstaddr: '10.1.0.5',
  srcport: 41000,
  dstport: 8080,
  packets: 3,
  bytes: 180,
  servicePortSide: 'dst',
  ephemeralPortMin: 41000,
  ephemeralPortMax: 41000,
});

describe('CLI contract example', () => {
  const model = NetworkModel.fromSnapshot(snapshot);
  const ctx = { returnTraffic: ReturnTrafficIndex.fromFlows([accepted, rejected]) };

  it('allows the ACCEPTed HTTPS flow from the internet, with no reason', () => {
    expect(explainFlow(model, accepted, ctx)).toEqual({ verdict: 'allowed', direction: 'ingress', returnTraffic: false, blockedBy: [] });
  });

  it('blames the web security group for tcp/8080 from the worker, NACL exempt inside the subnet', () => {
    expect(explainFlow(model, rejected, ctx)).toEqual({
      verdict: 'blocked',
      direction: 'ingress',
      returnTraffic: false,
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-0web000000000000a'] }],
      reason: 'no rule of sg-0web000000000000a allows tcp/8080 from 10.1.0.9 (NACL not evaluated inside subnet-0example00000001)',
    });
  });

  it('gives the same verdicts for the raw records (ports not collapsed, servicePortSide unset)', () => {
    const raw = { ...rejected, servicePortSide: null, ephemeralPortMin: null, ephemeralPortMax: null };
    expect(explainFlow(model, raw).verdict).toBe('blocked');
    expect(explainFlow(model, { ...accepted, servicePortSide: null }).verdict).toBe('allowed');
  });
});
