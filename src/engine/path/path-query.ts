import { parseIp } from '../ip/ip-address';
import { isIcmp, ruleProtocolNumber, rulesHavePorts } from '../network/protocol';
import { PathQueryError } from './path-query.error';

/** "Can `from` reach `to` on `protocol`/`port`?" as the engine takes it (see `parsePathQuery`). */
export interface PathQuery {
  /** `eni-…`, `i-…` or an IP address (inside the snapshot or not). */
  from: string;
  to: string;
  /** IANA protocol number (never -1: a path carries one protocol). */
  protocol: number;
  /** Destination port (TCP/UDP), ICMP type (ICMP/ICMPv6, null: any), null for other protocols. */
  port: number | null;
  /** The client's port; null: the client's ephemeral range. */
  sourcePort: number | null;
}

/** A path question as users write it: protocol by name or number, ports as numbers or text. */
export interface PathQueryInput {
  from: string;
  to: string;
  protocol: string | number;
  port?: string | number | null;
  sourcePort?: string | number | null;
}

/** How the asker calls each member of a question in messages: the API by its JSON fields, the command line by its flags. */
export type PathQueryNames = Readonly<Record<keyof PathQueryInput, string>>;

/** The API's names: the JSON fields of the request (what a PathQueryError's `field` always is). */
const FIELD_NAMES: PathQueryNames = { from: 'from', to: 'to', protocol: 'protocol', port: 'port', sourcePort: 'sourcePort' };

const ENDPOINT = /^(eni-[0-9a-z]+|i-[0-9a-z]+|[0-9a-fA-F:.]+)$/;

function portNumber(field: 'port' | 'sourcePort', name: string, value: string | number | null | undefined, min: number): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > 65535)
    throw new PathQueryError(field, `${name} must be an integer ${min}-65535, got ${String(value)}`);
  return n;
}

/**
 * Checks and normalises a path question: `protocol` is `tcp`, `udp`, `icmp`, `icmpv6` or a number
 * 0-255; TCP and UDP need a destination port, ICMP takes an optional type (0-255); other protocols
 * take no port. Throws `PathQueryError` naming the wrong member: its `field` is the member's, its
 * message calls it by `names` (default: the API's JSON fields; the command line passes its flags).
 */
export function parsePathQuery(input: PathQueryInput, names: PathQueryNames = FIELD_NAMES): PathQuery {
  for (const field of ['from', 'to'] as const) {
    const value = input[field];
    if (typeof value !== 'string' || !ENDPOINT.test(value.trim())) {
      throw new PathQueryError(
        field,
        `${names[field]} must be an interface id (eni-…), an instance id (i-…) or an IP address, got ${JSON.stringify(value)}`,
      );
    }
    // `010.0.0.1` is 10.0.0.1 to some parsers and 8.0.0.1 to others: an address is asked for in one form only.
    if (!/^(eni|i)-/.test(value.trim()) && parseIp(value.trim()) === null) {
      throw new PathQueryError(
        field,
        `${names[field]} is not an IP address: ${JSON.stringify(value)} (IPv4 as four numbers 0-255 without leading zeros, or IPv6)`,
      );
    }
  }
  const [fromIp, toIp] = [parseIp(input.from.trim()), parseIp(input.to.trim())];
  if (fromIp && toIp && fromIp.family !== toIp.family) {
    throw new PathQueryError(
      'to',
      `${names.from} and ${names.to} must be addresses of one IP family, got IPv${fromIp.family} ${input.from} and IPv${toIp.family} ${input.to}`,
    );
  }
  const protocol = ruleProtocolNumber(input.protocol);
  if (protocol === null || protocol === -1) {
    throw new PathQueryError(
      'protocol',
      `${names.protocol} must be tcp, udp, icmp, icmpv6 or a protocol number 0-255, got ${JSON.stringify(input.protocol)}`,
    );
  }
  let port: number | null = null;
  if (rulesHavePorts(protocol)) {
    port = portNumber('port', names.port, input.port, 0);
    if (port === null) throw new PathQueryError('port', `${protocol === 6 ? 'tcp' : 'udp'} needs a destination port`);
  } else if (isIcmp(protocol)) {
    port = portNumber('port', names.port, input.port, 0);
    if (port !== null && port > 255) throw new PathQueryError('port', `an ICMP type is 0-255, got ${port}`);
  }
  const sourcePort = rulesHavePorts(protocol) ? portNumber('sourcePort', names.sourcePort, input.sourcePort, 1) : null;
  return { from: input.from.trim(), to: input.to.trim(), protocol, port, sourcePort };
}
