/**
 * Why an OK record is no flow: a field every flow needs holds `-` (or nothing). The file reader
 * counts such records as `incomplete` under these names; the query sources report theirs the same.
 */
export const INCOMPLETE_RECORD_REASONS = ['no interface-id', 'no address', 'no protocol', 'no action'] as const;
export type IncompleteRecordReason = (typeof INCOMPLETE_RECORD_REASONS)[number];

/**
 * Why a record's values cannot be read at all. The file reader counts such a line `malformed`
 * (with its parse error); a query source can only name what its query checks. A message that
 * does not match the log format (too few fields for it) has no values to check at all: the
 * Logs Insights source names it so. A protocol is a whole number from 0 to 255, a port `-` or a
 * whole number from 0 to 65535 (whatever the protocol), an address IPv4 or IPv6 text, as the
 * line parser reads them; so are, where the format has them, a version and `tcp-flags` (`-` or a
 * whole number from 0 to 255), `pkt-srcaddr` and `pkt-dstaddr` (`-` or an address), a
 * `flow-direction` (`-`, ingress or egress) and `packets` and `bytes` (`-` or a whole number up to
 * 2^63 - 1). A sign is no digit: `+6` is no protocol, as the line parser reads it.
 */
export const MALFORMED_RECORD_REASONS = [
  'message does not match the log format',
  'log-status not OK',
  'protocol not a number',
  'protocol not from 0 to 255',
  'address not IPv4 or IPv6',
  'port not a number',
  'port not from 0 to 65535',
  'version not a number',
  'version not from 0 to 255',
  'pkt-srcaddr or pkt-dstaddr not IPv4 or IPv6',
  'tcp-flags not a number',
  'tcp-flags not from 0 to 255',
  'flow-direction not ingress or egress',
  'packets or bytes not a number',
  'packets or bytes past 9223372036854775807',
  'end past 9999-12-31T23:59:59Z',
  'start after end',
] as const;
export type MalformedRecordReason = (typeof MALFORMED_RECORD_REASONS)[number];

/** A SKIPDATA record: AWS skipped records of that interface during its capture window. */
export const SKIPDATA_REASON = 'skipdata';

/** Every reason a record of a window is left out of its aggregates. */
export type UnreadRecordReason = typeof SKIPDATA_REASON | IncompleteRecordReason | MalformedRecordReason;
export const UNREAD_RECORD_REASONS: readonly UnreadRecordReason[] = [
  SKIPDATA_REASON,
  ...INCOMPLETE_RECORD_REASONS,
  ...MALFORMED_RECORD_REASONS,
];

/**
 * The records of a window a source left out of its aggregates, by reason: what a source that
 * aggregates elsewhere (an Athena query, a Logs Insights query) counts in the same query and
 * reports back, in the file reader's terms, so that whichever source reads the window the
 * analysis says the same about what it could not use.
 */
export interface UnreadRecords {
  skipdata: number;
  incompleteByReason: Partial<Record<IncompleteRecordReason, number>>;
  malformedByReason: Partial<Record<MalformedRecordReason, number>>;
}

export function emptyUnreadRecords(): UnreadRecords {
  return { skipdata: 0, incompleteByReason: {}, malformedByReason: {} };
}

/** Adds `records` left out for `reason` to `into`. */
export function countUnreadRecords(into: UnreadRecords, reason: UnreadRecordReason, records: number): void {
  if (reason === SKIPDATA_REASON) into.skipdata += records;
  else if ((INCOMPLETE_RECORD_REASONS as readonly string[]).includes(reason)) {
    const key = reason as IncompleteRecordReason;
    into.incompleteByReason[key] = (into.incompleteByReason[key] ?? 0) + records;
  } else {
    const key = reason as MalformedRecordReason;
    into.malformedByReason[key] = (into.malformedByReason[key] ?? 0) + records;
  }
}

/** Adds every count of `from` to `into`. */
export function addUnreadRecords(into: UnreadRecords, from: UnreadRecords): void {
  into.skipdata += from.skipdata;
  for (const [reason, records] of Object.entries(from.incompleteByReason)) countUnreadRecords(into, reason as UnreadRecordReason, records);
  for (const [reason, records] of Object.entries(from.malformedByReason)) countUnreadRecords(into, reason as UnreadRecordReason, records);
}

/** The records of a by-reason count. */
export function totalOf(byReason: Partial<Record<string, number>>): number {
  return Object.values(byReason).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}
