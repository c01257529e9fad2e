import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * The columns of a VPC flow log delivered to S3 as Parquet, with the types AWS's Athena DDL for
 * Parquet flow logs gives them (`int` for version, ports, tcp_flags, traffic_path; `bigint` for
 * protocol, packets, bytes, start and end; `string` for the rest), fields by their names with
 * hyphens as underscores, in the order of the versions 2 to 5 format.
 */
const COLUMNS: readonly [string, 'INT32' | 'INT64' | 'STRING'][] = [
  ['version', 'INT32'],
  ['account_id', 'STRING'],
  ['interface_id', 'STRING'],
  ['srcaddr', 'STRING'],
  ['dstaddr', 'STRING'],
  ['srcport', 'INT32'],
  ['dstport', 'INT32'],
  ['protocol', 'INT64'],
  ['packets', 'INT64'],
  ['bytes', 'INT64'],
  ['start', 'INT64'],
  ['end', 'INT64'],
  ['action', 'STRING'],
  ['log_status', 'STRING'],
  ['vpc_id', 'STRING'],
  ['subnet_id', 'STRING'],
  ['instance_id', 'STRING'],
  ['tcp_flags', 'INT32'],
  ['type', 'STRING'],
  ['pkt_srcaddr', 'STRING'],
  ['pkt_dstaddr', 'STRING'],
  ['region', 'STRING'],
  ['az_id', 'STRING'],
  ['sublocation_type', 'STRING'],
  ['sublocation_id', 'STRING'],
  ['pkt_src_aws_service', 'STRING'],
  ['pkt_dst_aws_service', 'STRING'],
  ['flow_direction', 'STRING'],
  ['traffic_path', 'INT32'],
];

/** The same columns as a text header line (field names with hyphens). */
export const PARQUET_TEXT_HEADER = COLUMNS.map(([name]) => name.replace(/_/g, '-')).join(' ');

/**
 * A Parquet flow-log file (GZIP-compressed pages, as AWS writes them) holding the records of
 * `lines`: text records in PARQUET_TEXT_HEADER's field order, `-` for no value (null in Parquet).
 */
export function parquetFlowLog(lines: readonly string[], rowGroupSize = 1000): Buffer {
  const rows = lines.map((line) => line.split(' '));
  const columnData = COLUMNS.map(([name, type], i) => ({
    name,
    type,
    nullable: true,
    data: rows.map((row) => {
      const token = row[i];
      if (token === '-') return null;
      return type === 'STRING' ? token : type === 'INT64' ? BigInt(token) : Number(token);
    }),
  }));
  const buffer = parquetWriteBuffer({ columnData, codec: 'GZIP', compressors: { GZIP: (bytes) => gzipSync(bytes) }, rowGroupSize });
  return Buffer.from(buffer);
}
