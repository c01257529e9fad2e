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
 * The outcome of the collapse rule as a small number, so hot loops can apply the rule without
 * allocating: `None` (protocol without ports: both ports dropped), `Exact` (both ports kept as they
 * are), `ServiceSrc` (the destination port is ephemeral and collapsed), `ServiceDst` (the source port
 * is ephemeral and collapsed).
 */
export const PortCollapse = { None: 0, Exact: 1, ServiceSrc: 2, ServiceDst: 3 } as const;
export type PortCollapse = (typeof PortCollapse)[keyof typeof PortCollapse];

/**
 * The shared port-collapse rule (the Athena query implements the same rule in SQL):
 * - protocols without ports (anything but 6, 17, 132): both ports null, nothing collapsed;
 * - a ported protocol with a port missing (`-`): ports kept as they are, nothing collapsed;
 * - otherwise the service port is min(srcport, dstport) (on a tie, the destination side); when the
 *   other port is >= 1024 it is ephemeral and collapsed, else both ports are kept exactly.
 */
export function portCollapseOf(
  protocol: number | null | undefined,
  srcport: number | null | undefined,
  dstport: number | null | undefined,
): PortCollapse {
  if (protocol !== 6 && protocol !== 17 && protocol !== 132) return PortCollapse.None;
  if (srcport === null || srcport === undefined || dstport === null || dstport === undefined) return PortCollapse.Exact;
  const serviceIsSrc = srcport < dstport;
  const other = serviceIsSrc ? dstport : srcport;
  if (other < EPHEMERAL_PORT_FLOOR) return PortCollapse.Exact;
  return serviceIsSrc ? PortCollapse.ServiceSrc : PortCollapse.ServiceDst;
}

/** The shared port-collapse rule (see portCollapseOf) applied to one record's ports. */
export function collapsePorts(
  protocol: number | null | undefined,
  srcport: number | null | undefined,
  dstport: number | null | undefined,
): CollapsedPorts {
  const src = srcport ?? null;
  const dst = dstport ?? null;
  switch (portCollapseOf(protocol, srcport, dstport)) {
    case PortCollapse.None:
      return { srcport: null, dstport: null, servicePortSide: null, ephemeralPort: null };
    case PortCollapse.Exact:
      return { srcport: src, dstport: dst, servicePortSide: null, ephemeralPort: null };
    case PortCollapse.ServiceSrc:
      return { srcport: src, dstport: null, servicePortSide: 'src', ephemeralPort: dst };
    default:
      return { srcport: null, dstport: dst, servicePortSide: 'dst', ephemeralPort: src };
  }
}
