import { type AthenaPartitionLayout, formatPartitionDate, partitionSpans } from '../aws/athena-query-builder';

/** An S3 location: bucket and key prefix (no leading slash; `''` for the whole bucket). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** How the prefixes of a scan were found, shown with the estimate. */
export type ScanPrefixBasis = 'projection-template' | 'hive-partitions' | 'delivery-layout' | 'table-location';

export interface ScanPrefixes {
  basis: ScanPrefixBasis;
  locations: S3Location[];
}

export interface ScanPrefixInput {
  /** The table's properties from GetTableMetadata (`location`, `storage.location.template` …). */
  parameters: Record<string, string>;
  /** The table's partition keys in their order. */
  partitionKeys: readonly string[];
  layout: AthenaPartitionLayout;
  accountId: string;
  region: string;
  /** The flow log's S3 destination, used when the table states no location. */
  logDestination?: string | null;
  from: Date;
  to: Date;
  /** The query widens its partition range by this much on both sides (see FlowQueryInput). */
  partitionSlackSeconds?: number;
}

const S3_URL = /^s3a?:\/\/([^/]+)\/?(.*)$/;
const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)\/?(.*)$/;
/** AWS's Hive-compatible flow-log prefixes carry the service as a partition of its own. */
const KNOWN_VALUES: Record<string, string> = { 'aws-service': 'vpcflowlogs', aws_service: 'vpcflowlogs' };

/** `s3://bucket/prefix` or `arn:aws:s3:::bucket/prefix` as bucket and prefix; null for anything else. */
export function s3LocationOf(url: string): S3Location | null {
  const match = S3_URL.exec(url.trim()) ?? S3_ARN.exec(url.trim());
  if (!match) return null;
  return { bucket: match[1]!, prefix: match[2] ?? '' };
}

/**
 * The S3 prefixes a window's Athena scan reads: the table's partitions for the days (or hours) of
 * the window widened by the query's partition slack, as the partition predicate selects them.
 *
 * - Partition projection: the table's `storage.location.template` with each `${column}` replaced by
 *   the partition's value (a placeholder with no known value, or a whole day of an hourly value,
 *   ends the prefix there, so the listing reads more, never less).
 * - Otherwise, under the table's `location`: Hive paths `key=value/` in the order of the partition
 *   keys, or, for a `yyyy/MM/dd` date column, the date itself (AWS's delivery layout).
 * - No table location: the flow log's destination in AWS's delivery layout
 *   (`AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/`).
 * - An unpartitioned table: its whole location (Athena reads all of it).
 * Null when none of these is known.
 */
export function scanPrefixes(input: ScanPrefixInput): ScanPrefixes | null {
  const location = input.parameters.location ? s3LocationOf(input.parameters.location) : null;
  const template = input.parameters['storage.location.template'];
  const layout = input.layout;
  if (layout.type === 'none') return location ? { basis: 'table-location', locations: [location] } : null;

  const units = windowUnits(input);
  const valuesOf = (unit: Unit) => partitionValues(layout, unit, input.accountId, input.region);
  let basis: ScanPrefixBasis;
  let urls: string[];
  if (template && s3LocationOf(template)) {
    basis = 'projection-template';
    urls = units.map((unit) => fillTemplate(template, valuesOf(unit)));
  } else if (location) {
    const base = `s3://${location.bucket}/${withSlash(location.prefix)}`;
    const slashDate = layout.type === 'date-string' && layout.format.includes('/');
    basis = slashDate ? 'delivery-layout' : 'hive-partitions';
    urls = units.map((unit) => base + (slashDate ? deliveryPath(unit) : hivePath(input.partitionKeys, valuesOf(unit))));
  } else if (input.logDestination && s3LocationOf(input.logDestination)) {
    const destination = s3LocationOf(input.logDestination)!;
    const base = `s3://${destination.bucket}/${withSlash(destination.prefix)}AWSLogs/${input.accountId}/vpcflowlogs/${input.region}/`;
    basis = 'delivery-layout';
    urls = units.map((unit) => base + deliveryPath(unit));
  } else {
    return null;
  }
  const locations = urls.map((url) => s3LocationOf(url)).filter((l): l is S3Location => l !== null);
  return { basis, locations: withoutNested(locations) };
}

/** One day (hour null) or one hour of the window's partitions. */
interface Unit {
  day: Date;
  hour: number | null;
}

function windowUnits(input: ScanPrefixInput): Unit[] {
  const layout = input.layout;
  const slackMs = (input.partitionSlackSeconds ?? 3600) * 1000;
  const hourly =
    (layout.type === 'date-string' && (Boolean(layout.hour) || layout.format.endsWith('HH'))) ||
    (layout.type === 'date-parts' && Boolean(layout.hour));
  const units: Unit[] = [];
  for (const span of partitionSpans(new Date(input.from.getTime() - slackMs), new Date(input.to.getTime() + slackMs), hourly)) {
    if (span.hours) {
      for (let hour = span.hours[0]; hour <= span.hours[1]; hour += 1) units.push({ day: span.from, hour });
      continue;
    }
    for (let day = span.from.getTime(); day <= span.to.getTime(); day += 86_400_000) units.push({ day: new Date(day), hour: null });
  }
  return units;
}

/** A partition value, or the beginning of one (`partial`) when the unit is a whole day of an hourly value. */
interface PartitionValue {
  text: string;
  partial: boolean;
}

function partitionValues(layout: AthenaPartitionLayout, unit: Unit, accountId: string, region: string): Map<string, PartitionValue> {
  const values = new Map<string, PartitionValue>();
  const two = (n: number) => String(n).padStart(2, '0');
  const at = new Date(unit.day.getTime() + (unit.hour ?? 0) * 3600_000);
  if (layout.type === 'date-string') {
    if (layout.format.endsWith('HH') && unit.hour === null) {
      // A whole day of an hourly value: its common beginning (`2026/11/24/`, `2026-11-24-`).
      const full = formatPartitionDate(at, layout.format);
      values.set(layout.column.toLowerCase(), { text: full.slice(0, -2), partial: true });
    } else {
      values.set(layout.column.toLowerCase(), { text: formatPartitionDate(at, layout.format), partial: false });
    }
    if (layout.hour && unit.hour !== null) values.set(layout.hour.toLowerCase(), { text: two(unit.hour), partial: false });
  } else if (layout.type === 'date-parts') {
    values.set(layout.year.toLowerCase(), { text: String(at.getUTCFullYear()), partial: false });
    values.set(layout.month.toLowerCase(), { text: two(at.getUTCMonth() + 1), partial: false });
    values.set(layout.day.toLowerCase(), { text: two(at.getUTCDate()), partial: false });
    if (layout.hour && unit.hour !== null) values.set(layout.hour.toLowerCase(), { text: two(unit.hour), partial: false });
  }
  if (layout.accountColumn) values.set(layout.accountColumn.toLowerCase(), { text: accountId, partial: false });
  if (layout.regionColumn) values.set(layout.regionColumn.toLowerCase(), { text: region, partial: false });
  for (const [key, text] of Object.entries(KNOWN_VALUES)) if (!values.has(key)) values.set(key, { text, partial: false });
  return values;
}

function fillTemplate(template: string, values: Map<string, PartitionValue>): string {
  let out = '';
  let rest = template;
  for (;;) {
    const start = rest.indexOf('${');
    if (start < 0) return out + rest;
    const end = rest.indexOf('}', start);
    if (end < 0) return out + rest.slice(0, start);
    out += rest.slice(0, start);
    const value = values.get(rest.slice(start + 2, end).toLowerCase());
    if (!value) return out;
    out += value.text;
    if (value.partial) return out;
    rest = rest.slice(end + 1);
  }
}

function hivePath(keys: readonly string[], values: Map<string, PartitionValue>): string {
  let path = '';
  for (const key of keys) {
    const value = values.get(key.toLowerCase());
    if (!value) return path;
    path += `${key}=${value.text}`;
    if (value.partial) return path;
    path += '/';
  }
  return path;
}

function deliveryPath(unit: Unit): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${unit.day.getUTCFullYear()}/${two(unit.day.getUTCMonth() + 1)}/${two(unit.day.getUTCDate())}/`;
  return unit.hour === null ? date : `${date}${two(unit.hour)}/`;
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Distinct locations, without those inside another (a prefix listed once is not counted twice). */
function withoutNested(locations: S3Location[]): S3Location[] {
  const unique = [...new Map(locations.map((l) => [`${l.bucket}/${l.prefix}`, l])).values()].sort(
    (a, b) => a.prefix.length - b.prefix.length,
  );
  const kept: S3Location[] = [];
  for (const location of unique) {
    if (kept.some((k) => k.bucket === location.bucket && location.prefix.startsWith(k.prefix))) continue;
    kept.push(location);
  }
  return kept.sort((a, b) => (a.bucket === b.bucket ? a.prefix.localeCompare(b.prefix) : a.bucket.localeCompare(b.bucket)));
}
