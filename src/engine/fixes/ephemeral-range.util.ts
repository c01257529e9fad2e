import { usesFullEphemeralRange } from '../network/interface-owner';

/** Client port ranges (DESIGN.md): what a NACL must admit for return traffic to reach a client. */
export const EPHEMERAL_RANGES = {
  linux: { from: 32768, to: 60999 },
  windows: { from: 49152, to: 65535 },
  /** Load balancers and NAT gateways use the whole non-privileged range. */
  elbNat: { from: 1024, to: 65535 },
} as const;

export type EphemeralRangeName = keyof typeof EPHEMERAL_RANGES | 'linux-or-windows' | 'observed';

/**
 * The client port range a return-traffic NACL entry should admit, from the client's kind and the
 * ports observed on the client side:
 * - a load balancer or NAT gateway client: 1024–65535;
 * - observed ports all inside Linux's 32768–60999: that range (the common case on AWS);
 * - observed ports inside Windows' 49152–65535 with one above 60999: the Windows range;
 * - observed ports from 32768 up past 60999: 32768–65535 (both kinds);
 * - any observed port below 32768 (BSD, custom `ip_local_port_range`, proxies): 1024–65535;
 * - observed ports below 1024 (not ephemeral at all): exactly the observed range.
 */
export function ephemeralRangeFor(
  clientOwner: string | null | undefined,
  observed: { from: number; to: number },
): { from: number; to: number; name: EphemeralRangeName } {
  if (usesFullEphemeralRange(clientOwner)) return { ...EPHEMERAL_RANGES.elbNat, name: 'elbNat' };
  if (observed.from < 1024) return { from: observed.from, to: Math.max(observed.from, observed.to), name: 'observed' };
  if (observed.from < EPHEMERAL_RANGES.linux.from) return { ...EPHEMERAL_RANGES.elbNat, name: 'elbNat' };
  if (observed.to <= EPHEMERAL_RANGES.linux.to) return { ...EPHEMERAL_RANGES.linux, name: 'linux' };
  if (observed.from >= EPHEMERAL_RANGES.windows.from) return { ...EPHEMERAL_RANGES.windows, name: 'windows' };
  return { from: EPHEMERAL_RANGES.linux.from, to: EPHEMERAL_RANGES.windows.to, name: 'linux-or-windows' };
}
