import { type Cidr, parseCidr } from '../ip/ip-address';
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
