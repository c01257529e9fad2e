import type { BlockingControl, FlowVerdict } from '../evaluate/verdict';
import type { Direction } from '../flow-log/flow-record';
import type { ExplainedFlow } from './explained-flow';
import { controlIdentity, findingFingerprint, sameControl } from './fingerprint.util';
import { servicePortOf } from './service-port.util';

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

/** A FindingGroup whose flows are the caller's own items (e.g. rows of a column store), in the order they came. */
export type MemberGroup<T> = Omit<FindingGroup, 'flows'> & { members: T[] };

/**
 * `groupBlockedFlows` over any items that stand for explained flows (`explainedOf` reads each
 * one): the same groups in the same order, each holding its items instead of the flows, so a
 * caller can keep a group's flows as numbers and make their objects only when it needs them.
 */
export function groupBlocked<T>(items: Iterable<T>, explainedOf: (item: T) => ExplainedFlow): MemberGroup<T>[] {
  const groups = new Map<string, MemberGroup<T>>();
  // A diagnosis judges a million flows with a few hundred shared verdicts (VerdictPool): each
  // verdict's controls are normalized, and its fingerprint per service made, once.
  const judged = new Map<FlowVerdict, JudgedControls<T>>();
  for (const item of items) {
    const { verdict, flow } = explainedOf(item);
    if (verdict.verdict !== 'blocked' || verdict.blockedBy.length === 0) continue;
    let controls = judged.get(verdict);
    if (!controls) {
      const [first, ...rest] = verdict.blockedBy.map(normalized);
      judged.set(verdict, (controls = { first, rest, fingerprints: new Map(), mergedInto: new Set() }));
    }
    const port = servicePortOf(flow);
    const service = flow.protocol * 65537 + (port ?? 65536);
    let fingerprint = controls.fingerprints.get(service);
    if (fingerprint === undefined) {
      fingerprint = findingFingerprint(controls.first, verdict.direction, flow.protocol, port, verdict.returnTraffic);
      controls.fingerprints.set(service, fingerprint);
    }
    let group = groups.get(fingerprint);
    if (!group) {
      group = {
        fingerprint,
        blockedBy: controls.first,
        alsoBlockedBy: [],
        direction: verdict.direction,
        protocol: flow.protocol,
        port,
        returnTraffic: verdict.returnTraffic,
        members: [],
      };
      groups.set(fingerprint, group);
    }
    group.members.push(item);
    if (controls.mergedInto.has(group)) continue;
    controls.mergedInto.add(group);
    for (const control of controls.rest) {
      if (!group.alsoBlockedBy.some((c) => sameControl(c, control))) group.alsoBlockedBy.push(control);
    }
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  for (const group of groups.values()) {
    group.alsoBlockedBy.sort((a, b) => byText(controlIdentity(a) + a.direction, controlIdentity(b) + b.direction));
  }
  return [...groups.values()].sort((a, b) => byText(a.fingerprint, b.fingerprint));
}

/** One verdict's controls as groups take them, and what was made of them so far. */
interface JudgedControls<T> {
  first: BlockingControl;
  rest: BlockingControl[];
  /** By service (protocol and service port). */
  fingerprints: Map<number, string>;
  /** The groups whose `alsoBlockedBy` has `rest` already. */
  mergedInto: Set<MemberGroup<T>>;
}

/** The control with its group ids sorted: interfaces list one set of groups in different orders. */
function normalized(control: BlockingControl): BlockingControl {
  return control.control === 'security-group' ? { ...control, groupIds: [...control.groupIds].sort() } : control;
}
