/** Protocols whose flow-log records carry ports: TCP, UDP, SCTP. */
export const PORTED_PROTOCOLS: readonly number[] = [6, 17, 132];

/** Ports at or above this are treated as a client's ephemeral port. */
export const EPHEMERAL_PORT_FLOOR = 1024;

/**
 * How one record's ports are keyed. `srcport`/`dstport` are the ports kept in the aggregation key:
 * the collapsed (ephemeral) side is null there and its actual port is `ephemeralPort`.
 */
export interface CollapsedPorts {
  srcport: number | null;
  dstport: number | null;
  servicePortSide: 'src' | 'dst' | null;
  ephemeralPort: number | null;
}

/**
 * The shared port-collapse rule (the Athena query implements the same rule in SQL):
 * - protocols without ports (anything but 6, 17, 132): both ports null, nothing collapsed;
 * - a ported protocol with a port missing (`-`): ports kept as they are, nothing collapsed;
 * - otherwise the service port is min(srcport, dstport) (on a tie, the destination side); when the
 *   other port is >= 1024 it is ephemeral and collapsed, else both ports are kept exactly.
 */
export function collapsePorts(
  protocol: number | null | undefined,
  srcport: number | null | undefined,
  dstport: number | null | undefined,
): CollapsedPorts {
  if (protocol === null || protocol === undefined || !PORTED_PROTOCOLS.includes(protocol)) {
    return { srcport: null, dstport: null, servicePortSide: null, ephemeralPort: null };
  }
  const src = srcport ?? null;
  const dst = dstport ?? null;
  if (src === null || dst === null) {
    return { srcport: src, dstport: dst, servicePortSide: null, ephemeralPort: null };
  }
  const serviceIsSrc = src < dst;
  const other = serviceIsSrc ? dst : src;
  if (other < EPHEMERAL_PORT_FLOOR) {
    return { srcport: src, dstport: dst, servicePortSide: null, ephemeralPort: null };
  }
  return serviceIsSrc
    ? { srcport: src, dstport: null, servicePortSide: 'src', ephemeralPort: dst }
    : { srcport: null, dstport: dst, servicePortSide: 'dst', ephemeralPort: src };
}
