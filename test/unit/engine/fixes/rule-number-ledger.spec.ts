import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { NaclRuleNumberLedger } from '../../../../src/engine/fixes/nacl-rule-number-ledger';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { flowOf, hardeningSnapshot } from '../../../support/factories/hardening-snapshot';
import { tcpAllowEntryChange } from '../../../support/factories/nacl-entry-change';

const model = NetworkModel.fromSnapshot(hardeningSnapshot);

const create = (networkAclId: string, egress: boolean, ruleNumber: number): FixChange =>
  tcpAllowEntryChange(networkAclId, egress, ruleNumber, '10.0.0.0/8');

describe('NaclRuleNumberLedger', () => {
  it("adds the numbers earlier fixes create, per NACL and direction, to the snapshot's and the pending ones", () => {
    const ledger = new NaclRuleNumberLedger();
    ledger.reserve([create('acl-db', false, 110), create('acl-db', true, 120), create('acl-web', false, 160)]);
    expect(ledger.used(model, 'acl-db', false, [create('acl-db', false, 130), create('acl-db', true, 140)]).sort((a, b) => a - b)).toEqual([
      100, 110, 130, 32767, 32768,
    ]);
    expect(ledger.used(model, 'acl-db', true).sort((a, b) => a - b)).toEqual([100, 120, 32767, 32768]);
  });

  it('remembers replaced entries apart from created ones', () => {
    const ledger = new NaclRuleNumberLedger();
    ledger.reserve([{ ...create('acl-web', false, 90), action: 'ReplaceNetworkAclEntry' }]);
    expect(ledger.isReplaced('acl-web', false, 90)).toBe(true);
    expect(ledger.isReplaced('acl-web', true, 90)).toBe(false);
    expect(ledger.isReplaced('acl-db', false, 90)).toBe(false);
  });
});

describe('rule numbers across the findings of one diagnosis', () => {
  // Two services on the db ENI that acl-db does not open (it allows only 5432 in): two findings,
  // each blocked by the same catch-all on the same side of the same NACL.
  const requests: FlowAggregate[] = [
    flowOf({
      interfaceId: 'eni-db',
      srcaddr: '10.1.10.11',
      dstaddr: '10.1.20.10',
      srcport: 40000,
      dstport: 6379,
      records: 60,
      packets: 180,
      servicePortSide: 'dst',
      ephemeralPortMin: 40000,
      ephemeralPortMax: 41000,
    }),
    flowOf({
      interfaceId: 'eni-db',
      srcaddr: '10.1.10.12',
      dstaddr: '10.1.20.10',
      srcport: 42000,
      dstport: 11211,
      records: 40,
      packets: 120,
      servicePortSide: 'dst',
      ephemeralPortMin: 42000,
      ephemeralPortMax: 43000,
    }),
  ];
  const naclNumbers = (changes: FixChange[]) =>
    changes.filter((c) => c.params.NetworkAclId === 'acl-db' && c.params.Egress === false).map((c) => c.params.RuleNumber as number);

  it('gives each finding its own free number before the deny, in findings order, every fix verified', () => {
    const { findings } = diagnose(hardeningSnapshot, requests);
    const fixed = findings.filter((f) => f.blockedBy.control === 'network-acl' && f.suggestedFix);
    expect(fixed).toHaveLength(2);
    const numbers = fixed.map((f) => naclNumbers(f.suggestedFix!.changes));
    expect(numbers.map((n) => n.length)).toEqual([1, 1]);
    // The first finding takes the first free number above the existing 100, the next one the one after.
    expect(numbers.flat()).toEqual([110, 120]);
    for (const finding of fixed) expect(finding.suggestedFix!.verified).toBe(true);
    const all = findings.flatMap((f) => f.suggestedFix?.changes ?? []);
    expect(() => applyChanges(hardeningSnapshot, all)).not.toThrow();
  });

  it('is deterministic: the input order does not change which finding gets which number', () => {
    const numbersByFingerprint = (flows: FlowAggregate[]) =>
      Object.fromEntries(
        diagnose(hardeningSnapshot, flows).findings.map((f) => [f.fingerprint, naclNumbers(f.suggestedFix?.changes ?? [])]),
      );
    expect(numbersByFingerprint([...requests].reverse())).toEqual(numbersByFingerprint(requests));
  });
});
