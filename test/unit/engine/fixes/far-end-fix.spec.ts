import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import type { Finding } from '../../../../src/engine/findings/finding';
import { type FindingGroup, groupBlockedFlows } from '../../../../src/engine/findings/finding-group';
import type { FixChange } from '../../../../src/engine/fixes/fix';
import { type ScopedFix, scopedFix } from '../../../../src/engine/fixes/fix-scope';
import { NaclRuleNumberLedger } from '../../../../src/engine/fixes/nacl-rule-number-ledger';
import { createFixVerifier } from '../../../../src/engine/fixes/verify-fix';
import { FlowAggregator } from '../../../../src/engine/flow-log/flow-aggregator';
import { parseLogFormat } from '../../../../src/engine/flow-log/flow-log-fields';
import { createLineParser } from '../../../../src/engine/flow-log/flow-log-parser';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import {
  ALL_OUT,
  type FlowRec,
  ScenarioNetwork,
  V8_SHORT_FIELDS,
  allow,
  deny,
  flowLine,
  naclIn,
  naclOut,
  retries,
  runDiagnose,
  sgIn,
  tcp,
} from '../../../support/factories/scenario-network';
import { tcpAllowEntryChange } from '../../../support/factories/nacl-entry-change';

/*
 * A fix verified at the interface whose flow log caught the REJECT can still leave the connection
 * failing at the other end when that end is an interface of the snapshot: its subnet's NACL (both
 * ways) and its security groups (inbound) stand on the path too. The fix opens them as well.
 *
 *   vpc-main 10.0.0.0/16
 *     subnet-x 10.0.1.0/24 (acl-x)  eni-a 10.0.1.10  sg-a   the client
 *     subnet-y 10.0.2.0/24 (acl-y)  eni-b 10.0.2.20  sg-b   the server (tcp/5432)
 */

const A = '10.0.1.10';
const B = '10.0.2.20';
const PORT = 5432;

function world(): ScenarioNetwork {
  return new ScenarioNetwork()
    .vpc('vpc-main', '10.0.0.0/16')
    .subnet('subnet-x', 'vpc-main', '10.0.1.0/24', { acl: 'acl-x' })
    .subnet('subnet-y', 'vpc-main', '10.0.2.0/24', { acl: 'acl-y' })
    .group('sg-a', 'vpc-main', [], [])
    .group('sg-b', 'vpc-main', [], [ALL_OUT])
    .eni({ id: 'eni-a', subnet: 'subnet-x', ip: A, groups: ['sg-a'] })
    .eni({ id: 'eni-b', subnet: 'subnet-y', ip: B, groups: ['sg-b'] });
}

/** A's refused connections to B, as eni-a's flow log writes them (retried: a misconfiguration). */
const refusedAtA = (): FlowRec[] => retries({ eni: 'eni-a', src: A, dst: B, sport: 40000, dport: PORT, dir: 'egress' });
/** The same connections left A and were refused on arrival, as eni-b's flow log writes them. */
const refusedAtB = (): FlowRec[] => retries({ eni: 'eni-b', src: A, dst: B, sport: 40000, dport: PORT, dir: 'ingress' });

function onlyRule(findings: Finding[]): Finding {
  const rules = findings.filter((f) => f.kind === 'rule');
  expect(rules).toHaveLength(1);
  return rules[0]!;
}

/** The records as `runDiagnose` reads them, explained and grouped (the finding groups a diagnosis fixes). */
function groupsOf(
  network: ScenarioNetwork,
  records: FlowRec[],
): { model: NetworkModel; groups: FindingGroup[]; index: ReturnTrafficIndex } {
  const parse = createLineParser(parseLogFormat(V8_SHORT_FIELDS.join(' ')));
  const aggregator = new FlowAggregator({ actions: ['ACCEPT', 'REJECT'] });
  for (const record of records) {
    const parsed = parse(flowLine(V8_SHORT_FIELDS, { ...record, flags: record.flags ?? 2 }, 8));
    if (!parsed.ok) throw new Error(parsed.error);
    aggregator.add(parsed.record);
  }
  const flows: FlowAggregate[] = [...aggregator.aggregates()];
  const model = NetworkModel.fromSnapshot(network.snapshot());
  const index = ReturnTrafficIndex.fromFlows(flows);
  const explained = flows
    .filter((f) => f.action === 'REJECT')
    .map((flow) => ({ flow, verdict: explainFlow(model, flow, { returnTraffic: index }) }));
  return { model, groups: groupBlockedFlows(explained), index };
}

/** The fix of the one group of these records, as a diagnosis scopes it (no suspect peers). */
function scoped(network: ScenarioNetwork, records: FlowRec[]): ScopedFix {
  const { model, groups, index } = groupsOf(network, records);
  expect(groups).toHaveLength(1);
  const group = groups[0]!;
  const verifier = createFixVerifier(model.snapshot, { returnTraffic: index }, model);
  return scopedFix(model, group, { peerCount: 1, suspects: [] }, verifier, new NaclRuleNumberLedger());
}

const sgRule = (action: string, groupId: string, peerGroup: string): Partial<FixChange> => ({
  action: action as FixChange['action'],
  params: {
    GroupId: groupId,
    IpPermissions: [
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: PORT,
        ToPort: PORT,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: peerGroup })],
      }),
    ],
  },
});

describe('fixes that open the far end of the path', () => {
  it("an egress fix at A also opens B's group inbound from A's group, and says so", () => {
    const network = world();
    const finding = onlyRule(runDiagnose(network, refusedAtA()).findings);
    expect(finding.blockedBy).toEqual({ control: 'security-group', direction: 'egress', groupIds: ['sg-a'] });
    const fix = finding.suggestedFix!;
    expect(fix.changes).toEqual([
      expect.objectContaining(sgRule('AuthorizeSecurityGroupEgress', 'sg-a', 'sg-b')),
      expect.objectContaining(sgRule('AuthorizeSecurityGroupIngress', 'sg-b', 'sg-a')),
    ]);
    expect(fix.verified).toBe(true);
    expect(fix.awsCli).toContain('authorize-security-group-ingress');
    expect(scoped(network, refusedAtA()).farEndBlockedBy).toEqual([sgIn('sg-b')]);
  });

  it("B's subnet NACL refusing the request and the reply gets an entry each, before its denies", () => {
    const network = world()
      .ingress('sg-b', tcp(PORT, 'sg-a'))
      // Inbound: ssh from the VPC, then nothing from subnet-x. Outbound: replies to ports below Linux's range only.
      .acl('acl-y', [allow(100, '10.0.0.0/16', '6', [22, 22]), deny(200, '10.0.1.0/24')], [allow(100, '0.0.0.0/0', '6', [1024, 32767])]);
    const fix = onlyRule(runDiagnose(network, refusedAtA()).findings).suggestedFix!;
    expect(fix.changes).toEqual([
      expect.objectContaining(sgRule('AuthorizeSecurityGroupEgress', 'sg-a', 'sg-b')),
      tcpAllowEntryChange('acl-y', false, 110, `${A}/32`, [PORT, PORT]),
      tcpAllowEntryChange('acl-y', true, 110, `${A}/32`, [32768, 60999]),
    ]);
    expect(fix.verified).toBe(true);
    expect(scoped(network, refusedAtA()).farEndBlockedBy).toEqual([naclIn('acl-y', 200), naclOut('acl-y', 32767)]);
  });

  it('a far end already open leaves the fix as it was', () => {
    const network = world().ingress('sg-b', tcp(PORT, 'sg-a'));
    const finding = onlyRule(runDiagnose(network, refusedAtA()).findings);
    expect(finding.suggestedFix!.changes).toEqual([expect.objectContaining(sgRule('AuthorizeSecurityGroupEgress', 'sg-a', 'sg-b'))]);
    expect(finding.suggestedFix!.verified).toBe(true);
    expect(finding.alsoBlockedBy).toBeUndefined();
    const withFarEnd = scoped(network, refusedAtA());
    expect(withFarEnd.farEndBlockedBy).toEqual([]);
    expect(JSON.stringify(withFarEnd.fix)).toBe(JSON.stringify(finding.suggestedFix));
  });

  it('a peer in the same subnet gets no NACL change: the NACL does not see that traffic', () => {
    const network = world()
      .eni({ id: 'eni-b', subnet: 'subnet-x', ip: '10.0.1.20', groups: ['sg-b'] })
      .acl('acl-x', [deny(100, '0.0.0.0/0')], [deny(100, '0.0.0.0/0')]);
    const records = retries({ eni: 'eni-a', src: A, dst: '10.0.1.20', sport: 40000, dport: PORT, dir: 'egress' });
    const fix = onlyRule(runDiagnose(network, records).findings).suggestedFix!;
    expect(fix.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress']);
    expect(fix.changes[1]).toEqual(expect.objectContaining(sgRule('AuthorizeSecurityGroupIngress', 'sg-b', 'sg-a')));
    expect(fix.verified).toBe(true);
    expect(scoped(network, records).farEndBlockedBy).toEqual([sgIn('sg-b')]);
  });

  it("a REJECT logged at B inbound also opens A's subnet NACL to the reply", () => {
    // A may send (the packets reached B); acl-x lets in only replies to ports below 1024.
    const network = world()
      .egress('sg-a', ...[ALL_OUT])
      .acl('acl-x', [allow(100, '0.0.0.0/0', '6', [0, 1023])], [allow(100, '0.0.0.0/0')]);
    const finding = onlyRule(runDiagnose(network, refusedAtB()).findings);
    expect(finding.blockedBy).toEqual(sgIn('sg-b'));
    const fix = finding.suggestedFix!;
    expect(fix.changes).toEqual([
      expect.objectContaining(sgRule('AuthorizeSecurityGroupIngress', 'sg-b', 'sg-a')),
      tcpAllowEntryChange('acl-x', false, 110, `${B}/32`, [32768, 60999]),
    ]);
    expect(fix.verified).toBe(true);
    expect(scoped(network, refusedAtB()).farEndBlockedBy).toEqual([naclIn('acl-x', 32767)]);
  });

  it("a reply B's NACL refuses, logged at B, also opens A's subnet NACL to it", () => {
    const network = world()
      .egress('sg-a', ALL_OUT)
      .ingress('sg-b', tcp(PORT, 'sg-a'))
      .acl('acl-x', [allow(100, '0.0.0.0/0', '6', [0, 1023])], [allow(100, '0.0.0.0/0')])
      .acl('acl-y', [allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0', '6', [0, 1023])]);
    const replies = retries({ eni: 'eni-b', src: B, dst: A, sport: PORT, dport: 40000, dir: 'egress', flags: 18 }).map((r, i) => ({
      ...r,
      sport: PORT,
      dport: 40000 + i,
    }));
    const finding = onlyRule(runDiagnose(network, replies).findings);
    expect(finding.blockedBy).toEqual(naclOut('acl-y', 32767));
    expect(finding.traffic.returnTraffic).toBe(true);
    const fix = finding.suggestedFix!;
    expect(fix.changes).toEqual([
      tcpAllowEntryChange('acl-y', true, 110, `${A}/32`, [32768, 60999]),
      tcpAllowEntryChange('acl-x', false, 110, `${B}/32`, [32768, 60999]),
    ]);
    expect(fix.verified).toBe(true);
    expect(scoped(network, replies).farEndBlockedBy).toEqual([naclIn('acl-x', 32767)]);
  });

  it("the logged side's change alone is not verified while the far end refuses", () => {
    const network = world();
    const { model, groups, index } = groupsOf(network, refusedAtA());
    const verify = createFixVerifier(model.snapshot, { returnTraffic: index }, model);
    const full = scoped(network, refusedAtA()).fix!;
    const loggedSide = full.changes.filter((c) => c.action === 'AuthorizeSecurityGroupEgress');
    const verdict = verify(loggedSide, groups[0]!);
    expect(verdict.verified).toBe(false);
    expect(verdict.risks).toContainEqual(expect.objectContaining({ kind: 'far-end-blocked', controls: [sgIn('sg-b')] }));
  });

  it('a far end the snapshot cannot judge leaves the fix verified as far as it knows, and says what it could not judge', () => {
    // B's group admits a prefix list whose entries the snapshot does not hold: whether it admits A cannot be told.
    const network = world().ingress('sg-b', tcp(PORT, 'pl-unread')).prefixList('pl-unread', null);
    const fix = onlyRule(runDiagnose(network, refusedAtA()).findings).suggestedFix!;
    expect(fix.changes).toEqual([expect.objectContaining(sgRule('AuthorizeSecurityGroupEgress', 'sg-a', 'sg-b'))]);
    expect(fix.verified).toBe(true);
    const undecided = fix.risks.filter((risk) => risk.kind === 'far-end-undecided');
    expect(undecided).toEqual([
      expect.objectContaining({
        interfaces: ['eni-b'],
        message: expect.stringMatching(/^the far end \(i-b\) cannot be judged from the snapshot: prefix list pl-unread has no entries/),
      }),
    ]);
  });

  it('an internet peer, or a peer the snapshot lacks, keeps the fix of the logged side alone', () => {
    const network = world();
    const records = retries({ eni: 'eni-a', src: A, dst: '10.0.9.9', sport: 40000, dport: PORT, dir: 'egress' });
    const fix = onlyRule(runDiagnose(network, records).findings).suggestedFix!;
    expect(fix.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
    expect(scoped(network, records).farEndBlockedBy).toEqual([]);
  });

  it('a peer interface of another account keeps the fix of the logged side alone', () => {
    const network = world().eni({ id: 'eni-b', subnet: 'subnet-y', ip: B, groups: ['sg-b'], owner: '444455556666' });
    const fix = onlyRule(runDiagnose(network, refusedAtA()).findings).suggestedFix!;
    expect(fix.changes.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupEgress']);
  });
});
