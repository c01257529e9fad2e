import { ACCEPTED_PEERS_PER_SERVICE } from '../../../src/aws/athena-query-builder';
import { keyPorts, servicePortSide } from '../../../src/engine/evaluate/flow-ports';
import { servicePortOf } from '../../../src/engine/findings/service-port.util';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';

/**
 * What the one query of a window returns besides the REJECT aggregates, written from the rule the
 * SQL implements (not from the SQL): the ACCEPT aggregates that are the reverse of a rejected flow
 * at the same interface, and for each service of a rejected flow up to ACCEPTED_PEERS_PER_SERVICE
 * accepted peers on each side, peers not rejected at that service first, then by address, each by
 * its busiest flow (of equally busy ones, the first by the other end's address, then direction).
 */
export function acceptEvidence(
  reject: readonly FlowAggregate[],
  accept: readonly FlowAggregate[],
  peersPerService = ACCEPTED_PEERS_PER_SERVICE,
): FlowAggregate[] {
  const end = (address: string, port: string) => `${address}|${port}`;
  const direction = (flow: FlowAggregate) => {
    const [sp, dp] = keyPorts(flow);
    return `${flow.interfaceId}|${flow.protocol}|${end(flow.srcaddr, sp)}>${end(flow.dstaddr, dp)}`;
  };
  const reversed = (flow: FlowAggregate) => {
    const [sp, dp] = keyPorts(flow);
    return `${flow.interfaceId}|${flow.protocol}|${end(flow.dstaddr, dp)}>${end(flow.srcaddr, sp)}`;
  };
  const service = (flow: FlowAggregate) =>
    `${flow.interfaceId}|${flow.protocol}|${servicePortOf(flow) ?? '-'}|${servicePortSide(flow) ?? '-'}`;

  const rejectedDirections = new Set(reject.map(direction));
  const rejectedServices = new Set(reject.map(service));
  const rejectedSrc = new Set(reject.map((f) => `${service(f)}|${f.srcaddr}`));
  const rejectedDst = new Set(reject.map((f) => `${service(f)}|${f.dstaddr}`));

  const kept = new Set<FlowAggregate>(accept.filter((flow) => rejectedDirections.has(reversed(flow))));
  for (const side of ['src', 'dst'] as const) {
    const peerOf = (flow: FlowAggregate) => (side === 'src' ? flow.srcaddr : flow.dstaddr);
    const rejectedPeers = side === 'src' ? rejectedSrc : rejectedDst;
    const byService = new Map<string, Map<string, FlowAggregate[]>>();
    for (const flow of accept) {
      if (!rejectedServices.has(service(flow))) continue;
      const peers = byService.get(service(flow)) ?? new Map<string, FlowAggregate[]>();
      byService.set(service(flow), peers);
      peers.set(peerOf(flow), [...(peers.get(peerOf(flow)) ?? []), flow]);
    }
    for (const [key, peers] of byService) {
      const order = [...peers.keys()].sort(
        (a, b) => Number(rejectedPeers.has(`${key}|${a}`)) - Number(rejectedPeers.has(`${key}|${b}`)) || byteOrder(a, b),
      );
      for (const peer of order.slice(0, peersPerService)) {
        // The busiest of the peer's flows; of equally busy ones, the first by the other end's
        // address, then by direction (byte order), so that one is kept whatever the input order.
        const other = (flow: FlowAggregate) => (side === 'src' ? flow.dstaddr : flow.srcaddr);
        const busiest = [...peers.get(peer)!].sort(
          (a, b) =>
            b.records - a.records || byteOrder(other(a), other(b)) || byteOrder(a.flowDirection ?? '\uffff', b.flowDirection ?? '\uffff'),
        )[0]!;
        kept.add(busiest);
      }
    }
  }
  return accept.filter((flow) => kept.has(flow));
}

/** Strings in byte order (ASCII here), as Athena compares them. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
