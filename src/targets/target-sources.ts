import type { ContinuousSettings, ContinuousState, TargetBudget } from './target-settings';
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
 * (`<prefix>/AWSLogs/…`, plain or Hive-compatible, daily or per hour), by Data Firehose
 * (`<prefix>YYYY/MM/DD/HH/`), or written by CloudWatch Logs export tasks
 * (`<prefix>/<task id>/<log stream>/000000.gz`; `exportedlogs` when `prefix` is null).
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
  delivery: 'flow-logs' | 'firehose' | 'cloudwatch-export';
  /** For files without a header line (Firehose, exports): the flow log's LogFormat; default version 2. */
  logFormat: string | null;
}

export type FlowSourceSettings =
  AthenaFlowSourceSettings | FilesFlowSourceSettings | CloudWatchLogsFlowSourceSettings | S3FlowSourceSettings;

/**
 * The configuration of many member accounts, each read through a role assumed in it: an
 * organisation's central flow-log table or bucket analysed as one target. The target's own
 * account and region are where the flow logs are read (the log-archive account).
 */
export interface OrganizationConfigSourceSettings {
  type: 'organization';
  /** Member account ids; null = every ACTIVE account AWS Organizations lists (ListAccounts, from the target's account). */
  accounts: string[] | null;
  /** Regions whose configuration is read in every member account. */
  regions: string[];
  /** The role assumed in each member account (`arn:<partition>:iam::<account>:role/<roleName>`). */
  roleName: string;
  /** External id the members' trust policies require. */
  externalId: string | null;
}

/**
 * The live EC2 API; with `history: 'aws-config'`, each window is evaluated against the
 * configuration AWS Config recorded as in force when it began (interfaces deleted since included).
 */
export interface Ec2ConfigSourceSettings {
  type: 'ec2';
  history?: 'aws-config' | null;
}

export type ConfigSourceSettings = Ec2ConfigSourceSettings | { type: 'snapshot-file'; paths: string[] } | OrganizationConfigSourceSettings;

/** A target as other modules read it: the targets module owns the table (TargetEntity implements this). */
export interface Target {
  id: string;
  name: string;
  accountId: string;
  region: string;
  access: TargetAccess;
  scope: TargetScope;
  flowSource: FlowSourceSettings;
  configSource: ConfigSourceSettings;
  budget: TargetBudget | null;
  continuous: ContinuousSettings | null;
  continuousState: ContinuousState | null;
  createdAt: Date;
  updatedAt: Date;
}
