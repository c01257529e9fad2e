import { plainFlowAggregate } from '../flow-log/flow-aggregate-store';
import type { FlowAggregate } from '../flow-log/flow-record';

/** Protocols whose flow-log records carry ports (TCP, UDP, SCTP): the shared port-collapse rule applies to them. */
const PORTED = new Set([6, 17, 132]);

/**
 * Which side of the packet holds the connection's service port, by the shared port-collapse
 * rule: the lower port is the service port when the other one is ephemeral (>= 1024). Uses the
 * aggregator's `servicePortSide` when set; null when the rule does not apply (no ports, or both
 * ports below 1024).
 */
export function servicePortSide(flow: Pick<FlowAggregate, 'servicePortSide' | 'srcport' | 'dstport' | 'protocol'>): 'src' | 'dst' | null {
  if (flow.servicePortSide) return flow.servicePortSide;
  if (!PORTED.has(flow.protocol) || flow.srcport === null || flow.dstport === null) return null;
  if (flow.dstport <= flow.srcport) return flow.srcport >= 1024 ? 'dst' : null;
  return flow.dstport >= 1024 ? 'src' : null;
}

/**
 * Key ports of a flow with the ephemeral side wildcarded (`*`), so records of one service
 * relationship that differ only in their client's ephemeral port share a key. A protocol without
 * ports keys both as `-`, whatever the record carried (flow logs write 0 for ICMP, aggregates null).
 */
export function keyPorts(flow: Pick<FlowAggregate, 'servicePortSide' | 'srcport' | 'dstport' | 'protocol'>): [string, string] {
  if (!PORTED.has(flow.protocol)) return ['-', '-'];
  const side = servicePortSide(flow);
  const src = side === 'dst' ? '*' : String(flow.srcport ?? '-');
  const dst = side === 'src' ? '*' : String(flow.dstport ?? '-');
  return [src, dst];
}

/**
 * The flow at the highest destination port its records had, or null when that is the port it
 * already stands at. Rules filter on the destination port, and an aggregate that collapsed its
 * destination side (replies, requests from a low port) stands at the lowest port observed there:
 * the highest one was observed too, and can fall outside an entry the lowest one is inside (a
 * NACL answering 32768-60999, a Windows client's 62000).
 */
export function atHighestDestinationPort(flow: FlowAggregate): FlowAggregate | null {
  if (flow.servicePortSide !== 'src' || flow.ephemeralPortMax === null || flow.dstport === null) return null;
  if (flow.ephemeralPortMax === flow.dstport) return null;
  return atDestinationPort(flow, flow.ephemeralPortMax);
}

/**
 * The destination ports strictly between the lowest and the highest of a collapsed aggregate
 * where a verdict can change, ascending: where one of the port ranges in `ranges` starts, and
 * just past where one ends. A verdict over ports is the same between two such boundaries, so the
 * lowest port of the range a control refuses is one of them (or an end, judged on its own).
 * Empty for an aggregate that did not collapse its destination side.
 */
export function interiorDestinationPorts(
  flow: FlowAggregate,
  ranges: Iterable<{ readonly fromPort: number; readonly toPort: number }>,
): number[] {
  if (flow.servicePortSide !== 'src' || flow.ephemeralPortMax === null || flow.dstport === null) return [];
  const low = flow.dstport;
  const high = flow.ephemeralPortMax;
  const ports = new Set<number>();
  for (const { fromPort, toPort } of ranges) {
    if (fromPort > low && fromPort < high) ports.add(fromPort);
    if (toPort + 1 > low && toPort + 1 < high) ports.add(toPort + 1);
  }
  return [...ports].sort((a, b) => a - b);
}

/** The flow with its destination port set to `port`. */
export function atDestinationPort(flow: FlowAggregate, port: number): FlowAggregate {
  // A copy of its fields: the flow may be a column reader, whose fields a spread would not copy.
  return { ...plainFlowAggregate(flow, false), dstport: port };
}
