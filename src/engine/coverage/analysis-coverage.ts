import type { FlowVerdict } from '../evaluate/verdict';
import type { FlowAggregate } from '../flow-log/flow-record';
import { eachFlow, type FlowRows } from '../flow-log/flow-rows';
import type { NetworkModel } from '../network/network-model';
import type { NetworkSnapshot } from '../network/snapshot';

/** Why rejected flows got no verdict, in groups a reader can act on. */
export type UndecidedReason =
  | 'interface-not-in-snapshot'
  | 'traffic-not-filtered'
  | 'icmp-type-rule'
  | 'prefix-list-without-entries'
  | 'group-of-another-account'
  | 'reply-not-tracked'
  | 'through-load-balancer'
  | 'refused-outside-groups'
  | 'other';

export interface UndecidedGroup {
  reason: UndecidedReason;
  /** What the reason means and what would decide it. */
  meaning: string;
  flows: number;
  records: number;
  /** The capturing interfaces involved (at most 20, busiest first) and how many there were. */
  interfaces: string[];
  interfaceCount: number;
  /** One `explain` reason of the group, word for word. */
  example: string;
}

const MEANINGS: Record<UndecidedReason, string> = {
  'interface-not-in-snapshot':
    "the capturing interface is not in the snapshot: typically Lambda, ECS or EKS interfaces that came and went before it was taken, or another account's",
  'traffic-not-filtered':
    'traffic security groups and network ACLs never filter (instance metadata, Amazon DNS, Time Sync, DHCP …): no rule caused it',
  'icmp-type-rule': 'a rule names specific ICMP types and flow logs do not record the type',
  'prefix-list-without-entries': 'a rule names a prefix list whose entries the snapshot lacks (e.g. an AWS-managed list)',
  'group-of-another-account': "a rule references a security group the snapshot does not hold (another account's, or a peered VPC's)",
  'reply-not-tracked':
    "replies the interface's accepted traffic holds no request for, which its security groups would refuse as new connections: they pass only replies of connections they track (opened through another interface — asymmetric routing — or whose tracking ended)",
  'through-load-balancer':
    "the interface's security groups admit the peer only as forwarded by a Network Load Balancer (a rule referencing its group), which keeps the client's address with client IP preservation: the flow log cannot tell forwarded packets from ones sent directly",
  'refused-outside-groups':
    'the flow log names another reason for the REJECT (reject-reason EC, VPC encryption controls, or a newer one): no security group or network ACL refused it',
  other: 'the snapshot cannot decide it (see the example)',
};

const MAX_LISTED_INTERFACES = 20;

/** Words of the reason an evaluator gives when a rule names ICMP types, which flow logs do not record. */
const ICMP_TYPE_REASON = /\bicmp(?:v6)? types?\b/i;

/**
 * The reason group of an `unknown` verdict: from the snapshot (the interface is missing) where it
 * can tell, otherwise from the reason's words.
 */
export function undecidedReason(model: NetworkModel, flow: FlowAggregate, verdict: FlowVerdict): UndecidedReason {
  const reason = verdict.reason ?? '';
  // What refused the flow, whatever the snapshot holds of its interface.
  if (/^the flow log gives reject-reason /.test(reason)) return 'refused-outside-groups';
  if (!model.interface(flow.interfaceId)) return 'interface-not-in-snapshot';
  // Before the tests by protocol and by the groups' words: the reason names the groups too.
  if (/holds no request it answers/.test(reason)) return 'reply-not-tracked';
  if (verdict.throughLoadBalancer !== undefined) return 'through-load-balancer';
  if (/never filter|not filtered|metadata|dns|time sync|dhcp|licen[cs]e|vpc router|resolver/i.test(reason)) return 'traffic-not-filtered';
  // The reason of a rule that names ICMP types (`only some ICMP types`, `specific ICMP types`, `ICMPv6
  // type 3 only with code 4`): an ICMP flow undecided for another reason (its direction, its subnet,
  // a group of another account) belongs with that reason.
  if (ICMP_TYPE_REASON.test(reason)) return 'icmp-type-rule';
  if (/prefix list/i.test(reason)) return 'prefix-list-without-entries';
  if (/group|account/i.test(reason)) return 'group-of-another-account';
  return 'other';
}

/** Undecided rejected flows grouped by reason, the most records first. */
export function groupUndecided(model: NetworkModel, undecided: Iterable<{ flow: FlowAggregate; verdict: FlowVerdict }>): UndecidedGroup[] {
  const groups = new Map<UndecidedReason, { group: UndecidedGroup; perInterface: Map<string, number> }>();
  for (const { flow, verdict } of undecided) {
    const reason = undecidedReason(model, flow, verdict);
    let entry = groups.get(reason);
    if (!entry) {
      entry = {
        group: {
          reason,
          meaning: MEANINGS[reason],
          flows: 0,
          records: 0,
          interfaces: [],
          interfaceCount: 0,
          example: verdict.reason ?? '',
        },
        perInterface: new Map(),
      };
      groups.set(reason, entry);
    }
    entry.group.flows++;
    entry.group.records += flow.records;
    entry.perInterface.set(flow.interfaceId, (entry.perInterface.get(flow.interfaceId) ?? 0) + flow.records);
  }
  return [...groups.values()]
    .map(({ group, perInterface }) => {
      const ranked = [...perInterface.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
      return { ...group, interfaces: ranked.slice(0, MAX_LISTED_INTERFACES), interfaceCount: ranked.length };
    })
    .sort((a, b) => b.records - a.records || (a.reason < b.reason ? -1 : 1));
}

export type DegradedSignalKind = 'reject-only-logs' | 'no-accept-records' | 'no-tcp-flags' | 'no-flow-direction' | 'skipped-data';

export interface DegradedSignal {
  kind: DegradedSignalKind;
  /** What is missing, with how much. */
  detail: string;
  /** What the analysis cannot do because of it. */
  cost: string;
}

/**
 * What the input could not show, from the snapshot's flow logs (their traffic type) and from the
 * aggregates themselves (fields missing from the records), and SKIPDATA lines when counted.
 */
export function degradedSignals(snapshot: NetworkSnapshot, aggregates: FlowRows, input: { skipdata?: number } = {}): DegradedSignal[] {
  const signals: DegradedSignal[] = [];
  const rejectOnly = (snapshot.FlowLogs ?? []).filter((log) => log.FlowLogStatus !== 'INACTIVE' && log.TrafficType === 'REJECT');
  if (rejectOnly.length) {
    signals.push({
      kind: 'reject-only-logs',
      detail: `${rejectOnly.map((log) => `${log.FlowLogId ?? 'flow log'} (${log.ResourceId ?? '?'})`).join(', ')} keep${rejectOnly.length === 1 ? 's' : ''} only REJECT records`,
      cost: 'no ACCEPT evidence there: return traffic is recognised only from tcp-flags or the service port, and "service accepted from other peers" cannot be seen',
    });
  }
  let rejected = 0;
  let accepted = 0;
  let withoutFlags = 0;
  let withoutDirection = 0;
  for (const flow of eachFlow(aggregates)) {
    if (flow.action === 'ACCEPT') {
      accepted += flow.records;
      continue;
    }
    rejected += flow.records;
    if (flow.tcpFlags === null) withoutFlags += flow.records;
    if (flow.flowDirection === null) withoutDirection += flow.records;
  }
  if (rejected > 0 && accepted === 0) {
    signals.push({
      kind: 'no-accept-records',
      detail: 'the input holds no ACCEPT records at all',
      cost: 'return traffic is recognised only from tcp-flags or the service port; misconfigurations lose the "service accepted from other peers" evidence',
    });
  }
  const share = (n: number) => `${n} of ${rejected} rejected records (${Math.round((n / rejected) * 100)} %)`;
  if (withoutFlags > 0) {
    signals.push({
      kind: 'no-tcp-flags',
      detail: `${share(withoutFlags)} come from a format without tcp-flags (version 2 or a custom format leaving it out)`,
      cost: 'SYN-ACK replies and late FIN/RST after close cannot be recognised from flags for them',
    });
  }
  if (withoutDirection > 0) {
    signals.push({
      kind: 'no-flow-direction',
      detail: `${share(withoutDirection)} carry no flow-direction`,
      cost: 'their direction is inferred from which address belongs to the interface (undecidable when neither or both do)',
    });
  }
  if ((input.skipdata ?? 0) > 0) {
    signals.push({
      kind: 'skipped-data',
      detail: `${input.skipdata} SKIPDATA line${input.skipdata === 1 ? '' : 's'}: capture windows in which records were lost`,
      cost: 'counts over those windows are lower bounds, and flows seen only then are missing',
    });
  }
  return signals;
}
