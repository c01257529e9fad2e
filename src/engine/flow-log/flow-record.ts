import type { HourlyRecords } from './hourly-records';

/**
 * One VPC Flow Logs record, keyed by the flow-log field names exactly as AWS documents them
 * (`account-id`, `tcp-flags`, …). A field the log format does not carry is absent; a field whose
 * value is `-` is `null`. Numeric fields are numbers, everything else strings.
 */
export interface FlowRecord {
  version?: number | null;
  'account-id'?: string | null;
  'interface-id'?: string | null;
  srcaddr?: string | null;
  dstaddr?: string | null;
  srcport?: number | null;
  dstport?: number | null;
  protocol?: number | null;
  packets?: number | null;
  bytes?: number | null;
  start?: number | null;
  end?: number | null;
  action?: 'ACCEPT' | 'REJECT' | null;
  'log-status'?: 'OK' | 'NODATA' | 'SKIPDATA' | null;
  'vpc-id'?: string | null;
  'subnet-id'?: string | null;
  'instance-id'?: string | null;
  'tcp-flags'?: number | null;
  type?: string | null;
  'pkt-srcaddr'?: string | null;
  'pkt-dstaddr'?: string | null;
  region?: string | null;
  'az-id'?: string | null;
  'sublocation-type'?: string | null;
  'sublocation-id'?: string | null;
  'pkt-src-aws-service'?: string | null;
  'pkt-dst-aws-service'?: string | null;
  'flow-direction'?: 'ingress' | 'egress' | null;
  'traffic-path'?: number | null;
  'reject-reason'?: string | null;
  /** Any further documented field (ECS fields, newer versions), as parsed. */
  [field: string]: string | number | null | undefined;
}

export type Direction = 'ingress' | 'egress';

/**
 * Rejected (or accepted) traffic summed over records that share one key. Produced by the
 * in-process aggregator (CLI) and by the Athena flow source alike, so the engine sees one shape.
 *
 * The ephemeral side of a connection is collapsed: `ephemeralPortMin`/`Max` record the range
 * observed on that side, `srcport`/`dstport` hold the service port on the service side and the
 * lowest ephemeral port observed on the other (a representative for evaluation).
 */
export interface FlowAggregate {
  interfaceId: string;
  accountId: string | null;
  vpcId: string | null;
  subnetId: string | null;
  /** From `flow-direction` when the log carries it, otherwise null (the engine infers it). */
  flowDirection: Direction | null;
  srcaddr: string;
  dstaddr: string;
  srcport: number | null;
  dstport: number | null;
  protocol: number;
  action: 'ACCEPT' | 'REJECT';
  /** Bitwise OR of every record's `tcp-flags` (null when the format lacks the field). */
  tcpFlags: number | null;
  /** `reject-reason` when every record agrees (e.g. `BPA`), otherwise null. */
  rejectReason: string | null;
  /** Which side's port is the service port, when the aggregator collapsed the other one. */
  servicePortSide: 'src' | 'dst' | null;
  ephemeralPortMin: number | null;
  ephemeralPortMax: number | null;
  records: number;
  packets: number;
  bytes: number;
  /** Epoch seconds. */
  firstSeen: number;
  lastSeen: number;
  /**
   * Records per hour of their `start`, as pairs of the hour's start in epoch seconds (a multiple
   * of 3600) and records (> 0), hours ascending (see HourlyRecords). Records without `start` are
   * in no hour, so the records sum to at most `records`. Set by sources that count per hour (the Athena REJECT query, the file
   * collector of an analysis); absent when the source did not count per hour (the in-process
   * aggregator leaves it out).
   */
  hourly?: HourlyRecords;
  /**
   * The ICMP/ICMPv6 type of the packets, when it is known: never for flow-log records (their
   * ICMP records carry ports 0 0 and no type), set on the records a path question makes (the type
   * it names, and the answer's type for the reply). Rules that name ICMP types decide for it.
   */
  icmpType?: number;
}
