import { FlowLogFormatError } from './flow-log-format.error';

export type FlowFieldType = 'number' | 'string';

/** One documented VPC Flow Logs field: its name, the log version that introduced it, its value type. */
export interface FlowFieldSpec {
  readonly name: string;
  readonly version: number;
  readonly type: FlowFieldType;
  /** Largest valid value of a numeric field (ports, protocol numbers, bit masks). */
  readonly max?: number;
  /** A 64-bit count (packets, bytes): read up to 2^63 - 1, as the nearest double (see flow-count). */
  readonly count?: boolean;
  /** The only values a string field may take (besides `-`). */
  readonly values?: readonly string[];
  /** The field holds an IPv4 or IPv6 address. */
  readonly address?: boolean;
  /** The field holds a time in Unix seconds (at most MAX_EPOCH_SECONDS). */
  readonly time?: boolean;
  /**
   * The field holds free text (a tag's value): any characters. Every other string field holds
   * ids and names AWS writes in printable ASCII (`eni-…`, `us-east-1`, an ARN).
   */
  readonly text?: boolean;
}

/**
 * The last second a capture time (`start`, `end`: Unix seconds) may name: 9999-12-31T23:59:59Z.
 * Times are printed and stored as RFC 3339 date-times, whose year has four digits; a later
 * "time" is no capture time, and a record carrying one is malformed.
 */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

/** The largest port, and the largest protocol number: a port or protocol past them is no value. */
export const MAX_PORT = 65_535;
export const MAX_PROTOCOL = 255;
/** The largest record version, and the largest `tcp-flags` (a byte of flags): past them is no value. */
export const MAX_VERSION = 255;
export const MAX_TCP_FLAGS = 255;

const n = (name: string, version: number, max?: number): FlowFieldSpec =>
  max === undefined ? { name, version, type: 'number' } : { name, version, type: 'number', max };
const count = (name: string, version: number): FlowFieldSpec => ({ name, version, type: 'number', count: true });
const time = (name: string, version: number): FlowFieldSpec => ({ name, version, type: 'number', max: MAX_EPOCH_SECONDS, time: true });
const s = (name: string, version: number): FlowFieldSpec => ({ name, version, type: 'string' });
const tag = (name: string, version: number): FlowFieldSpec => ({ name, version, type: 'string', text: true });
const ip = (name: string, version: number): FlowFieldSpec => ({ name, version, type: 'string', address: true });
const oneOf = (name: string, version: number, values: readonly string[]): FlowFieldSpec => ({
  name,
  version,
  type: 'string',
  values,
});

/**
 * Every field the VPC Flow Logs user guide documents ("Flow log records", available fields), in the
 * guide's order. The version is the log version that introduced the field; the default format is the
 * fourteen version-2 fields in this order. Values are `-` when a field does not apply to a record.
 */
export const FLOW_LOG_FIELDS: readonly FlowFieldSpec[] = [
  n('version', 2, MAX_VERSION),
  s('account-id', 2),
  s('interface-id', 2),
  ip('srcaddr', 2),
  ip('dstaddr', 2),
  n('srcport', 2, MAX_PORT),
  n('dstport', 2, MAX_PORT),
  n('protocol', 2, MAX_PROTOCOL),
  count('packets', 2),
  count('bytes', 2),
  time('start', 2),
  time('end', 2),
  oneOf('action', 2, ['ACCEPT', 'REJECT']),
  oneOf('log-status', 2, ['OK', 'NODATA', 'SKIPDATA']),
  s('vpc-id', 3),
  s('subnet-id', 3),
  s('instance-id', 3),
  // FIN 1, SYN 2, RST 4, SYN-ACK 18, OR-ed over the aggregation interval.
  n('tcp-flags', 3, MAX_TCP_FLAGS),
  oneOf('type', 3, ['IPv4', 'IPv6', 'EFA']),
  ip('pkt-srcaddr', 3),
  ip('pkt-dstaddr', 3),
  s('region', 4),
  s('az-id', 4),
  s('sublocation-type', 4),
  s('sublocation-id', 4),
  s('pkt-src-aws-service', 5),
  s('pkt-dst-aws-service', 5),
  oneOf('flow-direction', 5, ['ingress', 'egress']),
  n('traffic-path', 5),
  s('ecs-cluster-arn', 7),
  s('ecs-cluster-name', 7),
  s('ecs-container-instance-arn', 7),
  s('ecs-container-instance-id', 7),
  s('ecs-container-id', 7),
  s('ecs-second-container-id', 7),
  s('ecs-service-name', 7),
  s('ecs-task-definition-arn', 7),
  s('ecs-task-arn', 7),
  s('ecs-task-id', 7),
  // `BPA` when VPC Block Public Access rejected the flow; `-` for any other reason.
  s('reject-reason', 8),
  // The regional NAT gateway a record belongs to.
  s('resource-id', 9),
  // VPC encryption controls: 0 cleartext, 1 Nitro-encrypted, 2 application TLS, 3 both.
  n('encryption-status', 10, 3),
  s('interface-type', 11),
  s('next-hop-interface-id', 11),
  s('next-hop-subnet-id', 11),
  s('next-hop-az-id', 11),
  s('next-hop-vpc-id', 11),
  s('next-hop-interface-type', 11),
  tag('instance-tag', 11),
  tag('instance-tag-2', 11),
  tag('interface-tag', 11),
  tag('interface-tag-2', 11),
  tag('asg-tag', 11),
  tag('asg-tag-2', 11),
];

const FIELDS_BY_NAME: ReadonlyMap<string, FlowFieldSpec> = new Map(FLOW_LOG_FIELDS.map((f) => [f.name, f]));

export function flowFieldSpec(name: string): FlowFieldSpec | undefined {
  return FIELDS_BY_NAME.get(name);
}

/** A flow log's record layout: the fields in the order each line carries them. */
export interface FlowLogFormat {
  readonly fields: readonly FlowFieldSpec[];
  readonly names: readonly string[];
  /** Position of a field in a line, by name. */
  readonly positions: Readonly<Record<string, number>>;
  /** The highest version among the known fields (what the `version` field of a record shows). */
  readonly version: number;
  /** The format as DescribeFlowLogs `LogFormat` prints it: `${version} ${account-id} …`. */
  readonly logFormat: string;
  /** Fields the catalog does not know (read as text, kept under their names), in format order. */
  readonly unknown: readonly string[];
}

/** What a field the catalog does not know is read as: free text, `-` for no value (version 0: unknown). */
const unknownField = (name: string): FlowFieldSpec => ({ name, version: 0, type: 'string', text: true });

function formatOf(names: readonly string[]): FlowLogFormat {
  const fields = names.map((name) => FIELDS_BY_NAME.get(name) ?? unknownField(name));
  const positions: Record<string, number> = {};
  names.forEach((name, i) => (positions[name] = i));
  return {
    fields,
    names,
    positions,
    version: fields.reduce((v, f) => Math.max(v, f.version), 2),
    logFormat: names.map((name) => '${' + name + '}').join(' '),
    unknown: names.filter((name) => !FIELDS_BY_NAME.has(name)),
  };
}

/** The default format: the fourteen version-2 fields. */
export const DEFAULT_FORMAT: FlowLogFormat = formatOf(FLOW_LOG_FIELDS.filter((f) => f.version === 2).map((f) => f.name));

function splitTokens(text: string): string[] {
  return text.split(/[ \t]+/).filter((t) => t.length > 0);
}

function fieldNameOf(token: string): string {
  return token.startsWith('${') && token.endsWith('}') ? token.slice(2, -1) : token;
}

/** How AWS spells flow-log field names: lower case, digits and hyphens (`pkt-src-aws-service`, `instance-tag-2`). */
const FIELD_NAME = /^[a-z][a-z0-9-]*$/;

/** Fields only Transit Gateway flow logs carry. */
const TRANSIT_GATEWAY_FIELD = /^(tgw-|resource-type$)/;

/** Why a Transit Gateway flow log is not read. */
export const TRANSIT_GATEWAY_LOG_REASON =
  'a Transit Gateway flow log: it records traffic through a transit gateway, with no action and no network interface, so no ' +
  'security group or network ACL decision can be read from it';

/** True when a format (a header line or a `LogFormat`) names a field only Transit Gateway flow logs carry. */
export function isTransitGatewayFormat(format: string): boolean {
  return splitTokens(format.trim()).some((token) => TRANSIT_GATEWAY_FIELD.test(fieldNameOf(token)));
}

export interface ParseLogFormatOptions {
  /**
   * `error` (default): a field the catalog does not know is an error. `keep`: it is read as text
   * and kept under its name (AWS adds fields over time); the format lists it in `unknown`.
   */
  unknownFields?: 'error' | 'keep';
}

/**
 * Parses a flow-log format given either as DescribeFlowLogs `LogFormat` (`${version} ${account-id} …`)
 * or as the header line of an S3 delivery file (`version account-id …`).
 * Throws FlowLogFormatError for an empty format, a repeated field, a Transit Gateway flow log's
 * format (it records no security-group or network-ACL decision), a token that is not a field
 * name, and — unless `unknownFields` is `keep` — every field the catalog does not know.
 */
export function parseLogFormat(format: string, options: ParseLogFormatOptions = {}): FlowLogFormat {
  const names = splitTokens(format.trim()).map(fieldNameOf);
  if (names.length === 0) {
    throw new FlowLogFormatError('empty flow-log format: name at least one field');
  }
  if (names.some((name) => TRANSIT_GATEWAY_FIELD.test(name))) {
    throw new FlowLogFormatError(`this is ${TRANSIT_GATEWAY_LOG_REASON}; give the VPC flow logs of the interfaces instead`);
  }
  const unknown = names.filter((name) => !FIELDS_BY_NAME.has(name));
  const invalid = unknown.filter((name) => !FIELD_NAME.test(name));
  if (unknown.length > 0 && (options.unknownFields !== 'keep' || invalid.length > 0)) {
    const shown = options.unknownFields === 'keep' ? invalid : unknown;
    throw new FlowLogFormatError(
      `${options.unknownFields === 'keep' ? 'not a flow-log field name' : 'unknown flow-log field'}${shown.length > 1 ? 's' : ''} ` +
        `${shown.map((u) => JSON.stringify(u)).join(', ')} ` +
        `in format "${format.trim()}" (known: ${FLOW_LOG_FIELDS.map((f) => f.name).join(' ')})`,
    );
  }
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) {
    throw new FlowLogFormatError(`flow-log field ${JSON.stringify(repeated[0])} appears more than once in "${format.trim()}"`);
  }
  return formatOf(names);
}

/**
 * True for the header line S3 delivery files start with, or a DescribeFlowLogs `LogFormat` in its
 * place (`${version} ${account-id} …`, what users paste at the top of a file): every token is
 * spelled like a field name, bare or in `${}`, and one of them at least is a field the catalog
 * knows (the others may be newer fields, however many: AWS adds them by the handful, version 7
 * ten at once), or the line names Transit Gateway fields. A record never qualifies: it carries
 * numbers, addresses, upper-case enumerations or `-` (one of ids and names alone is no record
 * of a flow either way).
 */
export function isHeaderLine(line: string): boolean {
  const tokens = splitTokens(line.trim()).map(fieldNameOf);
  if (tokens.length === 0 || !tokens.every((t) => FIELD_NAME.test(t))) return false;
  return tokens.some((t) => FIELDS_BY_NAME.has(t) || TRANSIT_GATEWAY_FIELD.test(t));
}
