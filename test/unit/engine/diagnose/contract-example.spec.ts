import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import { FlowAggregator } from '../../../../src/engine/flow-log/flow-aggregator';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import { parseLogFormat } from '../../../../src/engine/flow-log/flow-log-fields';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';

const contract = '/work/shared/contract';
const snapshot = validateSnapshot(JSON.parse(readFileSync(join(contract, 'snapshot.json'), 'utf8')));
const example = JSON.parse(readFileSync(join(contract, 'finding.example.json'), 'utf8'));

function aggregates(): FlowAggregate[] {
  const [header, ...lines] = readFileSync(join(contract, 'flows.log'), 'utf8').trim().split('\n');
  const parse = createLineParser(parseLogFormat(header));
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const line of lines) {
    const parsed = parse(line);
    if (parsed.ok) aggregator.add(parsed.record);
  }
  return aggregator.aggregates();
}

describe('diagnose on the contract example', () => {
  const { findings, stats } = diagnose(snapshot, aggregates());

  it('finds the one REJECT as a finding shaped like finding.example.json', () => {
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(finding.classification).toBe('likely-misconfiguration');
    expect(finding.signals).toEqual(example.signals);
    expect(finding.severity).toBe(example.severity);
    expect(finding.blockedBy).toEqual(example.blockedBy);
    const { peers, interfaces, ...totals } = finding.traffic;
    expect(totals).toMatchObject({ direction: 'ingress', protocol: 6, port: 8080, records: 1, packets: 3, bytes: 180 });
    expect(totals.firstSeen).toBe(example.traffic.firstSeen);
    expect(totals.lastSeen).toBe(example.traffic.lastSeen);
    expect(interfaces).toEqual([{ ...example.traffic.interfaces[0], records: 1 }]);
    expect(peers[0]).toMatchObject(example.traffic.peers[0]);
  });

  it('suggests exactly the example fix: the worker SG reference on tcp/8080, verified, no risks', () => {
    expect(findings[0].suggestedFix).toEqual(example.suggestedFix);
  });

  it('counts what it saw', () => {
    expect(stats.rejectedRecords).toBe(1);
    expect(stats.acceptedRecords).toBe(1);
    expect(stats.rejected.blocked).toEqual({ flows: 1, records: 1 });
    expect(stats.fixes).toEqual({ suggested: 1, verified: 1 });
  });

  it('gives the same fingerprints and order whatever the input order', () => {
    const again = diagnose(snapshot, [...aggregates()].reverse());
    expect(again.findings).toEqual(findings);
  });
});
