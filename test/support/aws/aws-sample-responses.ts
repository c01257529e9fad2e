import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GetQueryResultsCommandOutput, Row } from '@aws-sdk/client-athena';
import { collectedFileFlows } from '../file-flows';
import { FLOW_AGGREGATE_COLUMNS } from '../../../src/aws/athena-query-builder';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { SKIPDATA_REASON, type UnreadRecordReason } from '../../../src/engine/flow-log/unread-records';
import { hourlyRecordsByHour } from '../../../src/engine/flow-log/hourly-records';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';
import type { EmulatedAggregates, UnreadCount, WindowedAggregates } from './aws-athena-emulator';
import { SAMPLE_WINDOW } from '../app/analysis-api';

const SAMPLES = resolve(__dirname, '..', '..', '..', 'samples');

/** The bundled sample snapshot, as the snapshot-file configuration source reads it. */
export function sampleSnapshot(): NetworkSnapshot {
  return JSON.parse(readFileSync(resolve(SAMPLES, 'snapshot.json'), 'utf8')) as NetworkSnapshot;
}

/**
 * The sample flow logs aggregated for the sample window by the engine's aggregator — what the
 * Athena aggregate queries return for the same records (the shared port-collapse rule); REJECT
 * aggregates carry their records per hour of start, as the REJECT query's `hourly_records`. The
 * records the reader left out of the window's aggregates are what the query counts in its rows
 * of `unread_reason`: the SKIPDATA records and the incomplete ones, by reason (the samples hold
 * no malformed line, whose reason the reader would not give).
 */
export async function sampleAggregates(
  window = SAMPLE_WINDOW,
): Promise<{ reject: FlowAggregate[]; accept: FlowAggregate[]; unread: UnreadCount[] }> {
  const read = await collectedFileFlows([resolve(SAMPLES, 'flows')], { from: new Date(window.from), to: new Date(window.to) });
  if (read.stats.malformed > 0) throw new Error(`the samples hold ${read.stats.malformed} malformed lines`);
  const unread: UnreadCount[] = [
    ...(read.skipdataInWindow > 0 ? [{ reason: SKIPDATA_REASON, records: read.skipdataInWindow } as const] : []),
    ...Object.entries(read.stats.incompleteByReason).map(([reason, records]) => ({
      reason: reason as UnreadRecordReason,
      records: records!,
    })),
  ];
  return {
    reject: read.aggregates.filter((a) => a.action === 'REJECT'),
    accept: read.aggregates.filter((a) => a.action === 'ACCEPT'),
    unread,
  };
}

/** The sample aggregates of whichever window a query binds (each window read once), for an AthenaEmulator. */
export function windowedSampleAggregates(): WindowedAggregates {
  const read = new Map<string, Promise<EmulatedAggregates>>();
  return ({ from, to }) => {
    const window = { from: from.toISOString(), to: to.toISOString() };
    const key = `${window.from}/${window.to}`;
    if (!read.has(key)) read.set(key, sampleAggregates(window));
    return read.get(key)!;
  };
}

/** AWS response metadata, as every SDK output carries it. */
export function awsMetadata(requestId: string) {
  return { $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } };
}

/**
 * One page of a NextToken-paginated list: the page the token points at (tokens are opaque to the
 * client; here they hold the offset), with NextToken only while items remain.
 */
export function pageOf<T>(items: readonly T[], member: string, pageSize: number, token: string | undefined, requestId: string) {
  const offset = token ? Number(token.replace(/^.*-/, '')) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > items.length) throw new Error(`unknown NextToken ${token}`);
  const end = offset + pageSize;
  return {
    ...awsMetadata(`${requestId}-${offset}`),
    [member]: items.slice(offset, end),
    ...(end < items.length ? { NextToken: `${member}-next-${end}` } : {}),
  };
}

/** A FlowAggregate as Athena returns the aggregate query's row: every value a string, NULL a datum without VarCharValue. */
export function aggregateRow(aggregate: FlowAggregate): Row {
  const values: Record<(typeof FLOW_AGGREGATE_COLUMNS)[number], string | number | null> = {
    interface_id: aggregate.interfaceId,
    account_id: aggregate.accountId,
    vpc_id: aggregate.vpcId,
    subnet_id: aggregate.subnetId,
    flow_direction: aggregate.flowDirection,
    srcaddr: aggregate.srcaddr,
    dstaddr: aggregate.dstaddr,
    srcport: aggregate.srcport,
    dstport: aggregate.dstport,
    protocol: aggregate.protocol,
    action: aggregate.action,
    tcp_flags: aggregate.tcpFlags,
    reject_reason: aggregate.rejectReason,
    service_port_side: aggregate.servicePortSide,
    ephemeral_port_min: aggregate.ephemeralPortMin,
    ephemeral_port_max: aggregate.ephemeralPortMax,
    records: aggregate.records,
    packets: aggregate.packets,
    bytes: aggregate.bytes,
    first_seen: aggregate.firstSeen,
    last_seen: aggregate.lastSeen,
    // json_format of the histogram: hours as text keys, records as numbers; NULL without per-hour counts.
    // Athena's json_format of the histogram: an object keyed by the hour.
    hourly_records: aggregate.hourly ? JSON.stringify(hourlyRecordsByHour(aggregate.hourly)) : null,
    unread_reason: null,
  };
  return { Data: FLOW_AGGREGATE_COLUMNS.map((column) => (values[column] === null ? {} : { VarCharValue: String(values[column]) })) };
}

/**
 * The row counting records left out for one reason, as the query's GROUP BY returns it: the keys
 * NULL (the unread records' were set to NULL), the sums over those records, `unread_reason` set.
 */
export function unreadRow(unread: UnreadCount): Row {
  const values: Partial<Record<(typeof FLOW_AGGREGATE_COLUMNS)[number], string>> = {
    records: String(unread.records),
    packets: '0',
    bytes: '0',
    first_seen: '1795478400',
    last_seen: '1795478460',
    unread_reason: unread.reason,
  };
  return { Data: FLOW_AGGREGATE_COLUMNS.map((column) => (values[column] === undefined ? {} : { VarCharValue: values[column] })) };
}

/** GetQueryResults pages of a SELECT: the header row first, at most `pageSize` rows a page, NextToken between. */
export function queryResultPages(
  aggregates: readonly FlowAggregate[],
  pageSize: number,
  unread: readonly UnreadCount[] = [],
): GetQueryResultsCommandOutput[] {
  const rows: Row[] = [
    { Data: FLOW_AGGREGATE_COLUMNS.map((name) => ({ VarCharValue: name })) },
    ...aggregates.map(aggregateRow),
    ...unread.map(unreadRow),
  ];
  const pages: GetQueryResultsCommandOutput[] = [];
  for (let offset = 0; offset < rows.length; offset += pageSize) {
    const end = offset + pageSize;
    pages.push({
      ...awsMetadata(`results-${offset}`),
      UpdateCount: 0,
      ResultSet: {
        Rows: rows.slice(offset, end),
        ResultSetMetadata: {
          ColumnInfo: FLOW_AGGREGATE_COLUMNS.map((name) => ({
            Name: name,
            Label: name,
            Type: 'varchar',
            CatalogName: 'hive',
            Nullable: 'UNKNOWN',
          })),
        },
      },
      ...(end < rows.length ? { NextToken: `results-next-${pages.length + 1}` } : {}),
    });
  }
  return pages;
}
