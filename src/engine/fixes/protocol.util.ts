const NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** The EC2 `IpProtocol` for an IANA protocol number: names for tcp/udp/icmp/icmpv6, else the number. */
export function ipProtocolName(protocol: number): string {
  return NAMES[protocol] ?? String(protocol);
}

/** Protocols a network ACL entry may name in words as well as by number (CreateNetworkAclEntry documents the number). */
const NETWORK_ACL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

/**
 * The `Protocol` of a network ACL entry as the AWS CLI and Terraform take it: `tcp`, `udp` or
 * `icmp` as AWS's own examples write them, any other protocol by its number (ICMPv6 is 58: the
 * name `icmpv6` is a security-group spelling, not one CreateNetworkAclEntry documents).
 */
export function networkAclProtocolWord(protocol: number): string {
  return NETWORK_ACL_NAMES[protocol] ?? String(protocol);
}

export function isIcmp(protocol: number): boolean {
  return protocol === 1 || protocol === 58;
}
