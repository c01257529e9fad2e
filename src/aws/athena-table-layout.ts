import { parseLogFormat } from '../engine/flow-log/flow-log-fields';
import type { AthenaTableColumn, AthenaTableSchema } from './athena-table-inspector';
import { type AthenaDatePartitionFormat, type AthenaPartitionLayout, REQUIRED_FIELDS, athenaColumnOf } from './athena-query-builder';

/** A reason a table cannot serve as a target's flow source, on the request field it concerns. */
export interface AthenaTableProblem {
  field: string;
  message: string;
}

export interface AthenaTablePlan {
  /** The layout the query uses: the stated one with the table's column types, or one read off the partition keys. */
  layout: AthenaPartitionLayout;
  problems: AthenaTableProblem[];
  /** A table over delimited text: its string columns, whose NULL says a line ended before them (FlowQueryInput.delimitedText). */
  delimitedText: { stringColumns: string[] } | null;
}

const DATE_FORMATS: readonly AthenaDatePartitionFormat[] = ['yyyy/MM/dd', 'yyyy-MM-dd', 'yyyyMMdd', 'yyyy/MM/dd/HH', 'yyyy-MM-dd-HH'];
/** Partition keys AWS's layouts and its documentation's tables use for the account and the region. */
const ACCOUNT_KEYS = ['aws-account-id', 'aws_account_id', 'account_id', 'accountid', 'accid', 'account'];
const REGION_KEYS = ['aws-region', 'aws_region', 'region'];
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);
const STRING_TYPE = /^(string|varchar(\(\d+\))?|char(\(\d+\))?)$/;
/** The SerDe of `ROW FORMAT DELIMITED` (AWS's documented flow-log table, and its console's). */
const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
/** LazySimpleSerDe's own NULL text, which no flow-log field holds. */
const DEFAULT_NULL_FORMAT = '\\N';

/**
 * Checks a flow-log table against what the query needs and settles its partition layout, from
 * the table's own metadata (GetTableMetadata): the columns every REJECT needs and every field of
 * the stated log format must exist; a `date`-typed partition is compared as a date; year/month/
 * day[/hour] keys are compared as the type they have; the account and region partitions are used
 * when the table has them. A stated layout is an override: its columns must be partition keys,
 * and their types still come from the table.
 */
export function planAthenaTable(
  schema: AthenaTableSchema,
  stated: AthenaPartitionLayout | null,
  logFormat: string | null,
): AthenaTablePlan {
  const problems: AthenaTableProblem[] = [];
  const columns = new Map(schema.columns.map((c) => [c.name.toLowerCase(), c]));
  const keys = new Map(schema.partitionKeys.map((c) => [c.name.toLowerCase(), c]));
  const columnList = schema.columns.map((c) => c.name).join(', ') || 'none';

  const missing = REQUIRED_FIELDS.map(athenaColumnOf).filter((name) => !columns.has(name));
  if (missing.length > 0) {
    problems.push({
      field: 'flowSource.table',
      message: `the table has no column ${missing.join(', ')}: REJECT flows cannot be attributed without them (its columns: ${columnList})`,
    });
  }
  if (logFormat !== null) problems.push(...logFormatProblems(logFormat, columns, columnList));

  const accountColumn = ACCOUNT_KEYS.map((name) => keys.get(name)).find(Boolean)?.name ?? null;
  const regionColumn = REGION_KEYS.map((name) => keys.get(name)).find(Boolean)?.name ?? null;
  const scope = { accountColumn: stated?.accountColumn ?? accountColumn, regionColumn: stated?.regionColumn ?? regionColumn };
  for (const [name, column] of [
    ['accountColumn', scope.accountColumn],
    ['regionColumn', scope.regionColumn],
  ] as const) {
    if (column && !keys.has(column.toLowerCase())) {
      problems.push({
        field: `flowSource.layout.${name}`,
        message: `${column} is not a partition key of the table (${keyList(schema.partitionKeys)})`,
      });
    }
  }

  const dated = stated
    ? typedLayout(stated, keys, schema.partitionKeys, problems)
    : derivedLayout(schema, keys, new Set([accountColumn, regionColumn]), problems);
  return { layout: { ...dated, ...scope }, problems, delimitedText: delimitedTextOf(schema) };
}

/**
 * LazySimpleSerDe reads a line with fewer fields than the table's columns with the columns past
 * its last field NULL (Hive's LazyStruct: "Missing fields!"), and a string column holds its field's
 * text, `-` and empty included: NULL only past the line's end, or for the SerDe's NULL text, `\N`
 * unless the table sets another (`serialization.null.format`), which flow-log fields never hold.
 * Any other SerDe (Parquet, JSON …) or another NULL text: a NULL column says nothing of the line.
 */
function delimitedTextOf(schema: AthenaTableSchema): AthenaTablePlan['delimitedText'] {
  if (schema.parameters['serde.serialization.lib'] !== LAZY_SIMPLE_SERDE) return null;
  const nullFormat = schema.parameters['serde.param.serialization.null.format'];
  if (nullFormat !== undefined && nullFormat !== DEFAULT_NULL_FORMAT) return null;
  return { stringColumns: schema.columns.filter((c) => STRING_TYPE.test(c.type)).map((c) => c.name) };
}

function logFormatProblems(logFormat: string, columns: Map<string, AthenaTableColumn>, columnList: string): AthenaTableProblem[] {
  let names: readonly string[];
  try {
    // Fields newer than the catalogue are not read, but the table must still have their columns:
    // delimited text is read by position.
    names = parseLogFormat(logFormat, { unknownFields: 'keep' }).names;
  } catch (error) {
    return [{ field: 'flowSource.logFormat', message: (error as Error).message }];
  }
  const problems: AthenaTableProblem[] = [];
  const lacking = REQUIRED_FIELDS.filter((field) => !names.includes(field));
  if (lacking.length > 0) {
    problems.push({
      field: 'flowSource.logFormat',
      message: `the format lacks ${lacking.join(', ')}: REJECT flows cannot be attributed without them`,
    });
  }
  const absent = names.map(athenaColumnOf).filter((name) => !columns.has(name));
  if (absent.length > 0) {
    problems.push({
      field: 'flowSource.logFormat',
      message: `the table has no column for ${absent.join(', ')} of the format (its columns: ${columnList})`,
    });
  }
  return problems;
}

/** A stated layout, its columns checked against the partition keys and its comparisons typed like them. */
function typedLayout(
  stated: AthenaPartitionLayout,
  keys: Map<string, AthenaTableColumn>,
  partitionKeys: AthenaTableColumn[],
  problems: AthenaTableProblem[],
): AthenaPartitionLayout {
  const key = (field: string, name: string | null | undefined): AthenaTableColumn | null => {
    if (!name) return null;
    const found = keys.get(name.toLowerCase());
    if (!found)
      problems.push({
        field: `flowSource.layout.${field}`,
        message: `${name} is not a partition key of the table (${keyList(partitionKeys)})`,
      });
    return found ?? null;
  };
  if (stated.type === 'none') return { type: 'none' };
  if (stated.type === 'date-string') {
    const column = key('column', stated.column);
    const hour = key('hour', stated.hour);
    const hourPart = hour ? { hour: hour.name, hourType: INTEGER_TYPES.has(hour.type) ? ('integer' as const) : ('string' as const) } : {};
    if (column?.type === 'date') {
      return { type: 'date-string', column: column.name, format: 'yyyy-MM-dd', columnType: 'date', ...hourPart };
    }
    if (column && !STRING_TYPE.test(column.type)) {
      problems.push({
        field: 'flowSource.layout.column',
        message: `${column.name} is of type ${column.type}: a date-string partition is a string or a date`,
      });
    }
    return { type: 'date-string', column: column?.name ?? stated.column, format: stated.format, columnType: 'string', ...hourPart };
  }
  const parts = (['year', 'month', 'day', 'hour'] as const).map((field) => key(field, stated[field]));
  const types = parts.filter((c): c is AthenaTableColumn => c !== null).map((c) => c.type);
  const integer = types.length > 0 && types.every((type) => INTEGER_TYPES.has(type));
  if (!integer && types.some((type) => !STRING_TYPE.test(type))) {
    problems.push({
      field: 'flowSource.layout',
      message: `year, month, day and hour partitions must all be strings or all integers (${types.join(', ')})`,
    });
  }
  return {
    type: 'date-parts',
    year: parts[0]?.name ?? stated.year,
    month: parts[1]?.name ?? stated.month,
    day: parts[2]?.name ?? stated.day,
    hour: parts[3]?.name ?? stated.hour ?? null,
    valueType: integer ? 'integer' : 'string',
  };
}

/** The layout read off the partition keys, when the target states none. */
function derivedLayout(
  schema: AthenaTableSchema,
  keys: Map<string, AthenaTableColumn>,
  scopeKeys: Set<string | null>,
  problems: AthenaTableProblem[],
): AthenaPartitionLayout {
  const dateKeys = schema.partitionKeys.filter((key) => !scopeKeys.has(key.name) && !/^aws[-_]service$/i.test(key.name));
  const hour = keys.get('hour') ?? null;
  const typedDate = dateKeys.find((key) => key.type === 'date');
  if (typedDate) {
    const stated = { type: 'date-string' as const, column: typedDate.name, format: 'yyyy-MM-dd' as const, hour: hour?.name ?? null };
    return typedLayout(stated, keys, schema.partitionKeys, problems);
  }
  if (keys.has('year') && keys.has('month') && keys.has('day')) {
    return typedLayout(
      { type: 'date-parts', year: 'year', month: 'month', day: 'day', hour: keys.has('hour') ? 'hour' : null },
      keys,
      schema.partitionKeys,
      problems,
    );
  }
  const strings = dateKeys.filter((key) => STRING_TYPE.test(key.type) && key !== hour);
  if (strings.length === 1) {
    const [key] = strings as [AthenaTableColumn];
    const projected = schema.parameters[`projection.${key.name}.format`];
    const format = DATE_FORMATS.find((f) => f === projected);
    if (format)
      return typedLayout({ type: 'date-string', column: key.name, format, hour: hour?.name ?? null }, keys, schema.partitionKeys, problems);
    problems.push({
      field: 'flowSource.layout',
      message:
        `the table is partitioned by ${key.name}, a string whose date format the table does not state: ` +
        `give layout {"type":"date-string","column":"${key.name}","format":…} (one of ${DATE_FORMATS.join(', ')})`,
    });
    return { type: 'none' };
  }
  if (dateKeys.length > 0) {
    problems.push({
      field: 'flowSource.layout',
      message: `the table's partition keys (${keyList(schema.partitionKeys)}) are not a date layout sgdoctor knows: give the layout explicitly`,
    });
  }
  return { type: 'none' };
}

function keyList(keys: AthenaTableColumn[]): string {
  return keys.length > 0 ? `partition keys: ${keys.map((k) => `${k.name} ${k.type}`).join(', ')}` : 'it has no partition keys';
}
