/** IANA protocol numbers the engine treats specially. */
export const PROTOCOL_ICMP = 1;
export const PROTOCOL_TCP = 6;
export const PROTOCOL_UDP = 17;
export const PROTOCOL_ICMPV6 = 58;
/** `-1` in a rule: every protocol. */
export const PROTOCOL_ALL = -1;

const BY_NAME: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, all: -1 };
const NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', [-1]: 'all' };

/**
 * The protocol number of a rule's `IpProtocol` / NACL `Protocol`: names (`tcp`, `udp`, `icmp`,
 * `icmpv6`), numbers as strings (`"6"`), or `-1` for all. Null when it is none of these.
 */
export function ruleProtocolNumber(value: string | number | undefined | null): number | null {
  if (value === undefined || value === null) return null;
  const text = String(value).trim().toLowerCase();
  if (text in BY_NAME) return BY_NAME[text];
  if (!/^-?\d+$/.test(text)) return null;
  const n = Number(text);
  return n === -1 || (n >= 0 && n <= 255) ? n : null;
}

/** `tcp`, `udp`, `icmp`, `icmpv6`, `all`, or the number as text. */
export function protocolName(protocol: number): string {
  return NAMES[protocol] ?? String(protocol);
}

/** Security-group and NACL rules carry port ranges only for TCP and UDP; any other protocol matches on every port. */
export function rulesHavePorts(protocol: number): boolean {
  return protocol === PROTOCOL_TCP || protocol === PROTOCOL_UDP;
}

/** ICMP and ICMPv6 rules carry type and code instead of ports. */
export function isIcmp(protocol: number): boolean {
  return protocol === PROTOCOL_ICMP || protocol === PROTOCOL_ICMPV6;
}

/** `tcp/8080`, `udp/53`, `icmp`, `50` — how a protocol and port read in a sentence. */
export function describeTraffic(protocol: number, port: number | null): string {
  const name = protocolName(protocol);
  return rulesHavePorts(protocol) && port !== null ? `${name}/${port}` : name;
}
