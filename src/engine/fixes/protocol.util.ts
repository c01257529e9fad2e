const NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** The EC2 `IpProtocol` for an IANA protocol number: names for tcp/udp/icmp/icmpv6, else the number. */
export function ipProtocolName(protocol: number): string {
  return NAMES[protocol] ?? String(protocol);
}

export function isIcmp(protocol: number): boolean {
  return protocol === 1 || protocol === 58;
}
