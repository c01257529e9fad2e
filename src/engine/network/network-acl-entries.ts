import { type Cidr, cidrCovers, parseCidr } from '../ip/ip-address';
import { PROTOCOL_ALL, isIcmp, ruleProtocolNumber, rulesHavePorts } from './protocol';
import type { NetworkAclEntry } from './snapshot';

/** A network ACL entry normalised for evaluation, kept with the entry it came from. */
export interface CompiledNetworkAclEntry {
  ruleNumber: number;
  allow: boolean;
  egress: boolean;
  protocol: number;
  cidr: Cidr;
  fromPort: number;
  toPort: number;
  /** ICMP entry limited to some types: flow logs carry no type, so it cannot decide a flow. */
  icmpTypeSpecific: boolean;
  entry: NetworkAclEntry;
}

/** Compiles and sorts one direction's entries in ascending `RuleNumber` (the evaluation order). */
export function compileNetworkAclEntries(entries: NetworkAclEntry[], egress: boolean): CompiledNetworkAclEntry[] {
  const compiled: CompiledNetworkAclEntry[] = [];
  for (const entry of entries) {
    if (Boolean(entry.Egress) !== egress) continue;
    const protocol = ruleProtocolNumber(entry.Protocol);
    const cidr = parseCidr(entry.CidrBlock ?? entry.Ipv6CidrBlock ?? '');
    if (protocol === null || !cidr) continue;
    let fromPort = 0;
    let toPort = 65535;
    if (rulesHavePorts(protocol) && entry.PortRange) {
      fromPort = entry.PortRange.From ?? 0;
      toPort = entry.PortRange.To ?? 65535;
    }
    const type = entry.IcmpTypeCode?.Type;
    const icmpTypeSpecific = protocol !== PROTOCOL_ALL && isIcmp(protocol) && type !== undefined && type !== -1;
    compiled.push({
      ruleNumber: entry.RuleNumber,
      allow: entry.RuleAction === 'allow',
      egress,
      protocol,
      cidr,
      fromPort,
      toPort,
      icmpTypeSpecific,
      entry,
    });
  }
  return compiled.sort((a, b) => a.ruleNumber - b.ruleNumber);
}

/** The packets one NACL entry matches: protocol (-1 all), address block, destination ports. */
export interface EntryRegion {
  protocol: number;
  cidr: Cidr;
  ports: { from: number; to: number } | null;
}

/** The region of one compiled entry (ports only for a protocol that has them). */
export function regionOf(entry: CompiledNetworkAclEntry): EntryRegion {
  const ported = entry.protocol !== -1 && rulesHavePorts(entry.protocol);
  return { protocol: entry.protocol, cidr: entry.cidr, ports: ported ? { from: entry.fromPort, to: entry.toPort } : null };
}

/** The packets both match, or null when none. */
export function intersectRegions(a: EntryRegion, b: EntryRegion): EntryRegion | null {
  if (a.protocol !== -1 && b.protocol !== -1 && a.protocol !== b.protocol) return null;
  const cidr = cidrCovers(a.cidr, b.cidr) ? b.cidr : cidrCovers(b.cidr, a.cidr) ? a.cidr : null;
  if (!cidr) return null;
  const protocol = a.protocol === -1 ? b.protocol : a.protocol;
  if (!rulesHavePorts(protocol)) return { protocol, cidr, ports: null };
  const full = { from: 0, to: 65535 };
  const [pa, pb] = [a.ports ?? full, b.ports ?? full];
  const from = Math.max(pa.from, pb.from);
  const to = Math.min(pa.to, pb.to);
  return from <= to ? { protocol, cidr, ports: { from, to } } : null;
}
