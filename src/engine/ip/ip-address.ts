import * as ipaddr from 'ipaddr.js';

/**
 * The engine's IP module (with `cidr-cover.ts` beside it, which covers address sets with CIDR
 * blocks): address and CIDR text validated and parsed, containment, and which address space is
 * private or the internet's. Built on ipaddr.js, with hand-written checks where flow logs make
 * them the hot path.
 *
 * Numeric IP addresses and CIDR blocks, for fast containment tests. IPv4 values are unsigned
 * 32-bit numbers; IPv6 values are bigints. `key` is a canonical text form, so two spellings of
 * one IPv6 address (`2001:db8::1`, `2001:db8:0:0:0:0:0:1`) index to the same entry.
 */
export type IpAddress =
  | { readonly family: 4; readonly v4: number; readonly v6: 0n; readonly key: string }
  | { readonly family: 6; readonly v4: 0; readonly v6: bigint; readonly key: string };

export interface Cidr {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** Network address with host bits cleared (IPv4). */
  readonly base4: number;
  readonly mask4: number;
  /** Network address with host bits cleared (IPv6). */
  readonly base6: bigint;
  readonly mask6: bigint;
  /** Canonical `network/prefix` text. */
  readonly text: string;
}

const ALL_V6 = (1n << 128n) - 1n;

function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function v6Mask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL_V6 << BigInt(128 - prefix)) & ALL_V6;
}

function v6Value(parts: number[]): bigint {
  let value = 0n;
  for (const part of parts) value = (value << 16n) | BigInt(part);
  return value;
}

function v6Text(value: bigint): string {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

/** The dotted-quad text of an IPv4 value (0 to 2^32 - 1), without leading zeros: `ipv4Value`'s inverse. */
export function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses a dotted-quad IPv4 or any RFC 4291 IPv6 text; null when it is neither. */
export function parseIp(text: string): IpAddress | null {
  if (typeof text !== 'string') return null;
  if (text.includes(':')) {
    if (!ipaddr.IPv6.isValid(text)) return null;
    const parsed = ipaddr.IPv6.parse(text);
    if (parsed.zoneId) return null;
    const v6 = v6Value(parsed.parts);
    return { family: 6, v4: 0, v6, key: parsed.toString() };
  }
  const v4 = parseDottedQuad(text);
  return v4 === null ? null : { family: 4, v4, v6: 0n, key: ipv4Text(v4) };
}

/**
 * Strict dotted-quad IPv4 (`a.b.c.d`, each 0-255, no leading zeros beyond `0`), hand-parsed:
 * flow logs carry millions of addresses and this is the hot path.
 */
function parseDottedQuad(text: string): number | null {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return null;
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else return null;
  }
  if (dots !== 3 || octet < 0) return null;
  return value * 256 + octet;
}

/** The value of a dotted-quad IPv4 address without leading zeros (`10.0.0.1`), null for any other text. */
export function ipv4Value(text: string): number | null {
  return parseDottedQuad(text);
}

/** Dotted-quad IPv4 without leading zeros (`10.0.0.1`): the form flow logs and EC2 write. */
export function isIpv4Address(text: string): boolean {
  return parseDottedQuad(text) !== null;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function countIpv6Groups(part: string): number {
  if (part === '') return 0;
  const groups = part.split(':');
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (i === groups.length - 1 && g.includes('.')) {
      if (!isIpv4Address(g)) return -1;
      count += 2;
    } else if (HEX_GROUP.test(g)) {
      count += 1;
    } else {
      return -1;
    }
  }
  return count;
}

/**
 * RFC 4291 text form of an IPv6 address, with an optional embedded IPv4 tail and at most one `::`
 * (no zone id). Checked by hand, without building the address: flow-log readers validate every
 * address they keep.
 */
export function isIpv6Address(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) return countIpv6Groups(text) === 8;
  // An IPv4 tail may only end the address, never precede the `::`.
  if (halves[0].includes('.')) return false;
  const head = countIpv6Groups(halves[0]);
  const tail = countIpv6Groups(halves[1]);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

export function isIpAddress(text: string): boolean {
  return text.includes(':') ? isIpv6Address(text) : isIpv4Address(text);
}

/**
 * Parses `a.b.c.d/n` or `x::/n`. Host bits are cleared, as EC2 does when it stores a rule.
 * A bare address is not a CIDR block.
 */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (address.family === 4) {
    if (prefix > 32) return null;
    const mask4 = v4Mask(prefix);
    const base4 = (address.v4 & mask4) >>> 0;
    return { family: 4, prefix, base4, mask4, base6: 0n, mask6: 0n, text: `${ipv4Text(base4)}/${prefix}` };
  }
  if (prefix > 128) return null;
  const mask6 = v6Mask(prefix);
  const base6 = address.v6 & mask6;
  return { family: 6, prefix, base4: 0, mask4: 0, base6, mask6, text: `${v6Text(base6)}/${prefix}` };
}

/** True when `address` lies inside `cidr` (never across address families). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  if (cidr.family === 4) return (address.v4 & cidr.mask4) >>> 0 === cidr.base4;
  return (address.v6 & cidr.mask6) === cidr.base6;
}

/** True when every address of `inner` lies inside `outer`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  if (outer.family === 4) return (inner.base4 & outer.mask4) >>> 0 === outer.base4;
  return (inner.base6 & outer.mask6) === outer.base6;
}

function fromText(list: string[]): Cidr[] {
  return list.map((text) => parseCidr(text) as Cidr);
}

/**
 * Address space that is not reachable from the internet: RFC 1918, shared/CGNAT 100.64.0.0/10,
 * loopback, link-local, unique-local and the "this network" / multicast / reserved blocks.
 */
const NON_INTERNET: Cidr[] = fromText([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]);

/** Private or shared address space: RFC 1918, CGNAT 100.64.0.0/10, IPv6 unique-local (fc00::/7). */
const PRIVATE: Cidr[] = fromText(['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);

/** RFC 1918 / CGNAT / unique-local address (`100.64.0.0/10` counts as private, shared space). */
export function isPrivateAddress(ip: string | IpAddress): boolean {
  const address = typeof ip === 'string' ? parseIp(ip) : ip;
  return address !== null && PRIVATE.some((cidr) => cidrContains(cidr, address));
}

/** An address that can be a peer on the public internet (not private, loopback, link-local, multicast …). */
export function isInternetAddress(ip: string | IpAddress): boolean {
  const address = typeof ip === 'string' ? parseIp(ip) : ip;
  return address !== null && !NON_INTERNET.some((cidr) => cidrContains(cidr, address));
}

/** True when some address inside `cidr` is an internet address (e.g. `0.0.0.0/0`, `203.0.113.0/24`). */
export function cidrIncludesInternet(cidr: string | Cidr): boolean {
  const block = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  if (!block) return false;
  return !NON_INTERNET.some((range) => cidrCovers(range, block));
}
