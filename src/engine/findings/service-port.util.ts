import type { FlowAggregate } from '../flow-log/flow-record';

const PORTED_PROTOCOLS = new Set([6, 17, 132]);

/** Whether flow logs record ports for this IANA protocol number (TCP, UDP, SCTP). */
export function protocolHasPorts(protocol: number): boolean {
  return PORTED_PROTOCOLS.has(protocol);
}

/**
 * The service port of an aggregate: the side the aggregator kept, otherwise min(srcport, dstport)
 * (the shared port-collapse rule). For return traffic it is the source port, the port of the
 * service that answered, also where port order kept the other side (a reply to a client port
 * below the service port: 8080 → 1500, 50051 → 40000). Null for protocols without ports.
 */
export function servicePortOf(flow: FlowAggregate, returnTraffic = false): number | null {
  if (!protocolHasPorts(flow.protocol)) return null;
  if (returnTraffic && flow.srcport !== null) return flow.srcport;
  if (flow.servicePortSide === 'src') return flow.srcport;
  if (flow.servicePortSide === 'dst') return flow.dstport;
  if (flow.srcport === null || flow.dstport === null) return flow.srcport ?? flow.dstport;
  return Math.min(flow.srcport, flow.dstport);
}

/**
 * The port a rule finding of the flow is about: for return traffic the port that answered (see
 * `servicePortOf`); for the initiator's packets their destination port, the one they ask for and
 * the controls were judged on — also where port order kept the source side (a client port below
 * the service port: 40000 → 50051; a request from a low fixed port: 20 → 45000).
 */
export function findingPortOf(flow: FlowAggregate, returnTraffic: boolean): number | null {
  if (returnTraffic || !protocolHasPorts(flow.protocol)) return servicePortOf(flow, returnTraffic);
  return flow.dstport ?? servicePortOf(flow);
}

/**
 * The destination ports a request aggregate asked for, as a range: where the aggregator collapsed
 * the destination side (a request from a port below its destination ports: a scanner sending from
 * port 80 to high ports, a client on a low fixed port), the range it observed there; otherwise its
 * one destination port (`findingPortOf`). Null for protocols without ports.
 */
export function requestedPortRangeOf(flow: FlowAggregate): { from: number; to: number } | null {
  const port = findingPortOf(flow, false);
  if (port === null) return null;
  if (flow.servicePortSide === 'src' && flow.ephemeralPortMin !== null && flow.ephemeralPortMax !== null)
    return { from: flow.ephemeralPortMin, to: flow.ephemeralPortMax };
  return { from: port, to: port };
}

/**
 * The port range observed on the other (client) side of the connection: the collapsed ephemeral
 * range when the aggregator kept one, otherwise the single port seen there. For return traffic the
 * client is the destination: where port order collapsed the source side instead, the client port
 * is the destination port the aggregator kept; for a request the client is the source, also where
 * port order kept the source side.
 */
export function clientPortRangeOf(flow: FlowAggregate, returnTraffic = false): { from: number; to: number } | null {
  if (!protocolHasPorts(flow.protocol)) return null;
  if (returnTraffic && flow.servicePortSide !== 'src' && flow.dstport !== null) return { from: flow.dstport, to: flow.dstport };
  // A request comes from its client: unless port order collapsed the source side, its port is the source port.
  if (!returnTraffic && flow.servicePortSide !== 'dst' && flow.srcport !== null) return { from: flow.srcport, to: flow.srcport };
  if (flow.ephemeralPortMin !== null && flow.ephemeralPortMax !== null) {
    return { from: flow.ephemeralPortMin, to: flow.ephemeralPortMax };
  }
  const service = servicePortOf(flow);
  const other = flow.srcport === service ? flow.dstport : flow.srcport;
  return other === null ? null : { from: other, to: other };
}
