import type { AthenaPartitionLayout } from '../aws/athena-query-builder';

/** How sgdoctor reaches the account: the SDK's default chain, or a role assumed through STS. */
export type TargetAccess = { type: 'default-chain' } | { type: 'assume-role'; roleArn: string; externalId: string | null };

export interface TargetScope {
  vpcIds: string[];
  subnetIds: string[];
}

export interface AthenaFlowSourceSettings {
  type: 'athena';
  workgroup: string | null;
  catalog: string | null;
  database: string;
  table: string;
  outputLocation: string | null;
  layout: AthenaPartitionLayout;
  logFormat: string | null;
  /** The S3 destination of the flow log the table reads; absent on targets stored before it existed. */
  logDestination?: string | null;
}

/** Flow-log files under the data root; `paths` are stored relative to it. */
export interface FilesFlowSourceSettings {
  type: 'files';
  paths: string[];
  logFormat: string | null;
}

/**
 * A flow log publishing to CloudWatch Logs, aggregated with Logs Insights: its log group, or the
 * flow log (its log group read through DescribeFlowLogs), or neither (every log group the
 * account's flow logs publish to in the region).
 */
export interface CloudWatchLogsFlowSourceSettings {
  type: 'cloudwatch-logs';
  logGroupName: string | null;
  flowLogId: string | null;
  /** The flow log's LogFormat; read from DescribeFlowLogs when null. */
  logFormat: string | null;
}

/**
 * Flow-log files read straight from S3, without Athena: delivered by VPC Flow Logs
 * (`<prefix>/AWSLogs/…`, plain or Hive-compatible, daily or per hour) or by Data Firehose
 * (`<prefix>YYYY/MM/DD/HH/`).
 */
export interface S3FlowSourceSettings {
  type: 's3';
  bucket: string;
  prefix: string | null;
  /** The account and region in the delivery path; the target's when null. */
  accountId: string | null;
  region: string | null;
  fileFormat: 'text' | 'parquet';
  hiveCompatible: boolean;
  perHourPartitions: boolean;
  delivery: 'flow-logs' | 'firehose';
  /** For files without a header line (Firehose): the flow log's LogFormat; default version 2. */
  logFormat: string | null;
}

export type FlowSourceSettings = AthenaFlowSourceSettings | FilesFlowSourceSettings | CloudWatchLogsFlowSourceSettings | S3FlowSourceSettings;

export type ConfigSourceSettings = { type: 'ec2' } | { type: 'snapshot-file'; paths: string[] };
