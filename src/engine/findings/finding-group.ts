import type { BlockingControl, FlowVerdict } from '../evaluate/verdict';
import type { Direction } from '../flow-log/flow-record';
import type { ExplainedFlow } from './explained-flow';
import { controlIdentity, findingFingerprint, sameControl } from './fingerprint.util';
import { findingPortOf } from './service-port.util';

/** Blocked flows that share one blocking control, direction, protocol, service port and return-ness. */
export interface FindingGroup {
  fingerprint: string;
  blockedBy: BlockingControl;
  /** Other controls that deny some of the group's flows further along their path. */
  alsoBlockedBy: BlockingControl[];
  direction: Direction;
  protocol: number;
  port: number | null;
  returnTraffic: boolean;
  flows: ExplainedFlow[];
}

/**
 * Groups blocked flows into findings by blocking control × direction × protocol × service port
 * (× return traffic). A flow denied by several controls (e.g. the subnet's NACL and then the
 * interface's SG) joins the group of the FIRST control on its path — the one that drops it — so
 * each flow counts once and `blockedBy` stays one control; the other controls are kept in
 * `alsoBlockedBy` so the fix opens all of them (otherwise it could not be verified).
 * Flows whose verdict is not `blocked` are ignored. Groups come out in fingerprint order, their
 * `alsoBlockedBy` in control order and security-group ids sorted, whatever the order of the flows.
 */
export function groupBlockedFlows(explained: Iterable<ExplainedFlow>): FindingGroup[] {
  return groupBlocked(explained, (item) => item).map(({ members, ...group }) => ({ ...group, flows: members }));
}

/** A FindingGroup without its flows. */
type GroupShell = Omit<FindingGroup, 'flows'>;

/** A FindingGroup whose flows are the caller's own items (e.g. rows of a column store), in the order they came. */
export type MemberGroup<T> = GroupShell & { members: T[] };

/**
 * `groupBlockedFlows` over any items that stand for explained flows (`explainedOf` reads each
 * one): the same groups in the same order, each holding its items instead of the flows, so a
 * caller can keep a group's flows as numbers and make their objects only when it needs them.
 */
export function groupBlocked<T>(items: Iterable<T>, explainedOf: (item: T) => ExplainedFlow): MemberGroup<T>[] {
  const members: T[][] = [];
  const { groups, order } = collectGroups(items, explainedOf, (group, item) => (members[group] ??= []).push(item));
  return order.map((group) => ({ ...groups[group], members: members[group] }));
}

/** A group of `groupBlockedRows`: its rows are `rows.subarray(start, end)` of the grouping's one array. */
export type RowGroup = GroupShell & { start: number; end: number };

/**
 * `groupBlocked` over rows (of a column store): the same groups in the same order, each with its
 * rows, in the order they came, as a range of one array. A million rows take 4 MB there, where a
 * list per group takes three times as much.
 */
export function groupBlockedRows(
  rows: ArrayLike<number>,
  explainedOf: (row: number) => ExplainedFlow,
): { groups: RowGroup[]; rows: Int32Array } {
  // Each row's group (-1 for a row not blocked), then the rows placed group by group.
  const groupOf = new Int32Array(rows.length).fill(-1);
  const sizes: number[] = [];
  const { groups, order } = collectGroups(
    positions(rows.length),
    (position) => explainedOf(rows[position]),
    (group, position) => {
      groupOf[position] = group;
      sizes[group] = (sizes[group] ?? 0) + 1;
    },
  );
  const starts = new Int32Array(groups.length);
  let total = 0;
  for (const group of order) {
    starts[group] = total;
    total += sizes[group];
  }
  const grouped = new Int32Array(total);
  const next = starts.slice();
  for (let position = 0; position < rows.length; position++) {
    const group = groupOf[position];
    if (group >= 0) grouped[next[group]++] = rows[position];
  }
  return {
    groups: order.map((group) => ({ ...groups[group], start: starts[group], end: starts[group] + sizes[group] })),
    rows: grouped,
  };
}

/** 0, 1, … `count` - 1. */
function* positions(count: number): Generator<number> {
  for (let position = 0; position < count; position++) yield position;
}

/**
 * The grouping of `groupBlocked`: the groups by number, in the order they were first met,
 * `onMember` told each blocked item's group as it comes, and the groups' numbers in fingerprint order.
 */
function collectGroups<T>(
  items: Iterable<T>,
  explainedOf: (item: T) => ExplainedFlow,
  onMember: (group: number, item: T) => void,
): { groups: GroupShell[]; order: number[] } {
  const groups: GroupShell[] = [];
  const numbers = new Map<string, number>();
  // A diagnosis judges a million flows with a few hundred shared verdicts (VerdictPool): each
  // verdict's controls are normalized, and its fingerprint per service made, once.
  const judged = new Map<FlowVerdict, JudgedControls>();
  for (const item of items) {
    const { verdict, flow } = explainedOf(item);
    if (verdict.verdict !== 'blocked' || verdict.blockedBy.length === 0) continue;
    let controls = judged.get(verdict);
    if (!controls) {
      const [first, ...rest] = verdict.blockedBy.map(normalized);
      judged.set(verdict, (controls = { first, rest, fingerprints: new Map(), mergedInto: new Set() }));
    }
    const port = findingPortOf(flow, verdict.returnTraffic);
    const service = flow.protocol * 65537 + (port ?? 65536);
    let fingerprint = controls.fingerprints.get(service);
    if (fingerprint === undefined) {
      fingerprint = findingFingerprint(controls.first, verdict.direction, flow.protocol, port, verdict.returnTraffic);
      controls.fingerprints.set(service, fingerprint);
    }
    let number = numbers.get(fingerprint);
    if (number === undefined) {
      number =
        groups.push({
          fingerprint,
          blockedBy: controls.first,
          alsoBlockedBy: [],
          direction: verdict.direction,
          protocol: flow.protocol,
          port,
          returnTraffic: verdict.returnTraffic,
        }) - 1;
      numbers.set(fingerprint, number);
    }
    onMember(number, item);
    if (controls.mergedInto.has(number)) continue;
    controls.mergedInto.add(number);
    const group = groups[number];
    for (const control of controls.rest) {
      if (!group.alsoBlockedBy.some((c) => sameControl(c, control))) group.alsoBlockedBy.push(control);
    }
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  for (const group of groups) {
    group.alsoBlockedBy.sort((a, b) => byText(controlIdentity(a) + a.direction, controlIdentity(b) + b.direction));
  }
  const order = Array.from(groups.keys()).sort((a, b) => byText(groups[a].fingerprint, groups[b].fingerprint));
  return { groups, order };
}

/** One verdict's controls as groups take them, and what was made of them so far. */
interface JudgedControls {
  first: BlockingControl;
  rest: BlockingControl[];
  /** By service (protocol and service port). */
  fingerprints: Map<number, string>;
  /** The groups (by number) whose `alsoBlockedBy` has `rest` already. */
  mergedInto: Set<number>;
}

/** The control with its group ids sorted: interfaces list one set of groups in different orders. */
function normalized(control: BlockingControl): BlockingControl {
  return control.control === 'security-group' ? { ...control, groupIds: [...control.groupIds].sort() } : control;
}
