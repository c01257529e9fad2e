import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { ConcurrencyLimiter } from '../aws/concurrency-limiter';
import { DnsResolutionError, InvalidDeliveryUrlError, SsrfBlockReason, SsrfBlockedError } from './delivery.errors';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected so tests need no real DNS. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SsrfGuardOptions {
  /** Plain http is refused unless this is set (tests, or receivers inside a trusted network). */
  allowHttp?: boolean;
  /** CIDRs that may be reached although they are not public unicast, e.g. `127.0.0.1/32`. */
  allowedCidrs?: readonly string[];
  resolver?: HostResolver;
}

/** A URL that passed the guard, with the one address the connection must go to. */
export interface CheckedDestination {
  url: URL;
  /** The host name as written in the URL (brackets stripped from IPv6 literals). */
  hostname: string;
  address: string;
  family: 4 | 6;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** ipaddr.js range names mapped to the reason reported to users. Only `unicast` is public. */
const RANGE_REASONS: Record<string, SsrfBlockReason> = {
  loopback: 'loopback',
  linkLocal: 'link-local',
  private: 'private',
  carrierGradeNat: 'carrier-grade-nat',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
  reserved: 'reserved',
};

/**
 * The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), which runs on libuv's pool
 * of four threads, shared with file reads, gzip and crypto. A lookup holds its thread until the
 * resolver gives up (often ten seconds or more), whatever deadline its request had, so a receiver
 * whose name server never answers could take the whole pool: at most MAX_SYSTEM_LOOKUPS run at
 * once, and the requests for one name share its lookup.
 */
export const MAX_SYSTEM_LOOKUPS = 2;

const osResolver: HostResolver = async (hostname) => {
  const results = await lookup(hostname, { all: true, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/**
 * `resolve` with at most `limit` lookups in flight (the rest wait their turn) and one lookup per
 * name at a time: a caller asking for a name already being looked up gets that lookup's answer.
 */
export function sharedLookups(resolve: HostResolver, limit: number): HostResolver {
  const limiter = new ConcurrencyLimiter(limit);
  const pending = new Map<string, Promise<ResolvedAddress[]>>();
  return (hostname) => {
    const key = hostname.toLowerCase();
    let lookup = pending.get(key);
    if (!lookup) {
      lookup = limiter.run(() => resolve(hostname)).finally(() => pending.delete(key));
      pending.set(key, lookup);
    }
    return lookup;
  };
}

export const systemResolver: HostResolver = sharedLookups(osResolver, MAX_SYSTEM_LOOKUPS);

/**
 * Decides whether an outbound URL may be contacted. The host is resolved exactly once; every
 * address it resolves to must be acceptable (a name that mixes public and private answers is
 * refused), and the caller must connect to the returned address, never resolve again — that is
 * what defeats DNS rebinding.
 */
export class SsrfGuard {
  private readonly allowHttp: boolean;
  private readonly allowed: Array<[Address, number]>;
  private readonly resolver: HostResolver;

  constructor(options: SsrfGuardOptions = {}) {
    this.allowHttp = options.allowHttp ?? false;
    this.allowed = (options.allowedCidrs ?? []).map((cidr) => parseCidr(cidr));
    this.resolver = options.resolver ?? systemResolver;
  }

  async check(rawUrl: string | URL): Promise<CheckedDestination> {
    const url = parseUrl(rawUrl);
    // The WHATWG parser already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1.
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowHttp)) {
      throw new SsrfBlockedError('scheme-not-allowed', hostname, null);
    }
    if (url.username !== '' || url.password !== '') {
      // Credentials in a URL end up in logs and delivery records: refuse them outright.
      throw new SsrfBlockedError('credentials-in-url', hostname, null);
    }

    const candidates = ipaddr.isValid(hostname) ? [toResolved(hostname)] : await this.resolve(hostname);
    if (candidates.length === 0) throw new SsrfBlockedError('no-address', hostname, null);
    for (const candidate of candidates) {
      const reason = this.blockReason(candidate.address);
      if (reason !== null) throw new SsrfBlockedError(reason, hostname, candidate.address);
    }
    const chosen = candidates[0]!;
    return { url, hostname, address: chosen.address, family: chosen.family };
  }

  /** Why an address may not be contacted under this configuration, or null when it may. */
  blockReason(address: string): SsrfBlockReason | null {
    const parsed = normalise(ipaddr.parse(address));
    if (this.allowed.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits))) {
      return null;
    }
    return classifyAddress(parsed);
  }

  private async resolve(hostname: string): Promise<ResolvedAddress[]> {
    try {
      return await this.resolver(hostname);
    } catch (error) {
      throw new DnsResolutionError(`Cannot resolve ${hostname}`, { cause: error });
    }
  }
}

/**
 * The reason a (normalised: IPv4-mapped made IPv4) address is not public unicast, or null when it
 * is. An IPv6 address that carries an IPv4 address (IPv4-compatible `::a.b.c.d`, SIIT `::ffff:0:a.b.c.d`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) is refused with the reason of the
 * IPv4 address it carries when that one is not public, and as special-purpose otherwise: such
 * a form can reach the embedded address through a translator or tunnel.
 */
export function classifyAddress(address: Address): SsrfBlockReason | null {
  if (address instanceof ipaddr.IPv6) {
    const embedded = embeddedIPv4(address);
    if (embedded.length > 0) {
      for (const ipv4 of embedded) {
        const reason = classifyAddress(ipv4);
        if (reason !== null) return reason;
      }
      return 'special-purpose';
    }
  }
  const range = address.range();
  if (range === 'unicast') return isUnallocatedIPv6(address) ? 'reserved' : null;
  // Anything else — documentation, benchmarking, ORCHID … — can hide or reach an internal
  // address, so it is refused as special-purpose.
  return RANGE_REASONS[range] ?? 'special-purpose';
}

/**
 * ipaddr.js calls every IPv6 address outside its special ranges unicast, but only 2000::/3 is
 * allocated for global unicast; the rest is reserved by IANA, so no public receiver has such an
 * address while an internal network may route it.
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

function isUnallocatedIPv6(address: Address): boolean {
  return address instanceof ipaddr.IPv6 && !address.match(GLOBAL_UNICAST_V6);
}

/** The IPv4 addresses an IPv6 address carries by one of the standard embeddings (none for most). */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] {
  const words = address.parts;
  const bytes = address.toByteArray();
  const last32 = () => new ipaddr.IPv4(bytes.slice(12, 16));
  const zeroWords = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  // ::/96 (IPv4-compatible, deprecated) other than :: and ::1, which have ranges of their own.
  if (zeroWords(0, 6) && (words[6] !== 0 || words[7]! > 1)) return [last32()];
  // ::ffff:0:0/96 (IPv4-mapped) and ::ffff:0:0:0/96 (SIIT, RFC 6145).
  if (zeroWords(0, 5) && words[5] === 0xffff) return [last32()];
  if (zeroWords(0, 4) && words[4] === 0xffff && words[5] === 0) return [last32()];
  // 64:ff9b::/96 and the local-use 64:ff9b:1::/48 (NAT64, RFC 6052 and RFC 8215).
  if (words[0] === 0x64 && words[1] === 0xff9b) return [last32()];
  // 2002::/16 (6to4): the IPv4 address is the next 32 bits.
  if (words[0] === 0x2002) return [new ipaddr.IPv4(bytes.slice(2, 6))];
  // 2001::/32 (Teredo): the server's IPv4 address, and the client's, stored inverted.
  if (words[0] === 0x2001 && words[1] === 0) {
    return [new ipaddr.IPv4(bytes.slice(4, 8)), new ipaddr.IPv4(bytes.slice(12, 16).map((byte) => byte ^ 0xff))];
  }
  return [];
}

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries. */
function normalise(address: Address): Address {
  if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress()) {
    return address.toIPv4Address();
  }
  return address;
}

function parseCidr(cidr: string): [Address, number] {
  try {
    const [net, bits] = ipaddr.parseCIDR(cidr);
    return [normalise(net), net.kind() === 'ipv6' && normalise(net).kind() === 'ipv4' ? bits - 96 : bits];
  } catch (error) {
    throw new InvalidDeliveryUrlError(`Invalid allowed CIDR "${cidr}"`, { cause: error });
  }
}

function parseUrl(rawUrl: string | URL): URL {
  let url: URL;
  try {
    url = rawUrl instanceof URL ? new URL(rawUrl.href) : new URL(rawUrl);
  } catch (error) {
    throw new InvalidDeliveryUrlError('Not a valid absolute URL', { cause: error });
  }
  // The parser takes port 0 (`:00` too), but no connection reaches it: said at creation, where
  // delivery would retry a connection error for days.
  if (url.port === '0') throw new InvalidDeliveryUrlError('Port 0 cannot be connected to');
  return url;
}

function toResolved(literal: string): ResolvedAddress {
  const parsed = ipaddr.parse(literal);
  return { address: parsed.toString(), family: parsed.kind() === 'ipv6' ? 6 : 4 };
}
