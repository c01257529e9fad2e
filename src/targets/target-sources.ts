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

export type FlowSourceSettings = AthenaFlowSourceSettings | FilesFlowSourceSettings;

export type ConfigSourceSettings = { type: 'ec2' } | { type: 'snapshot-file'; paths: string[] };

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
  createdAt: Date;
  updatedAt: Date;
}
