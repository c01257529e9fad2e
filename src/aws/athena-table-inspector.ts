import type { AthenaClient } from '@aws-sdk/client-athena';
import { AwsAdapterError } from './aws-adapter.error';
import { athenaSdk } from './aws-sdk';
import { validateAthenaIdentifier } from './athena-identifier';
import type { AthenaTableRef } from './athena-query-builder';
import type { AwsTarget } from './aws-target';
import { withFailedCall } from './failed-call.util';

/** A column or partition key as Athena's GetTableMetadata reports it (`Type` as in the DDL: `string`, `int`, `date` …). */
export interface AthenaTableColumn {
  name: string;
  type: string;
}

/** What sgdoctor needs to know of a flow-log table to query it: its columns and partition keys, with their types. */
export interface AthenaTableSchema {
  columns: AthenaTableColumn[];
  partitionKeys: AthenaTableColumn[];
  /** Table properties (partition projection settings among them). */
  parameters: Record<string, string>;
}

export interface AthenaTableClients {
  athena(target: AwsTarget): AthenaClient;
}

/**
 * Reads a table's columns, partition keys and their types through Athena's GetTableMetadata. A
 * failed call names itself, the table, the account and the region: Athena's answers name none of
 * them (`MetadataException: … Table flow_logs not found`, `AccessDeniedException`, a throttling
 * `Rate exceeded` whose retries ran out).
 */
export class AthenaTableInspector {
  constructor(private readonly clients: AthenaTableClients) {}

  async read(target: AwsTarget, table: AthenaTableRef & { workgroup?: string | null }): Promise<AthenaTableSchema> {
    const { GetTableMetadataCommand } = athenaSdk();
    const command = new GetTableMetadataCommand({
      CatalogName: validateAthenaIdentifier('catalog', table.catalog ?? 'AwsDataCatalog'),
      DatabaseName: validateAthenaIdentifier('database', table.database),
      TableName: validateAthenaIdentifier('table', table.table),
      ...(table.workgroup ? { WorkGroup: validateAthenaIdentifier('workgroup', table.workgroup) } : {}),
    });
    let answer;
    try {
      answer = await this.clients.athena(target).send(command);
    } catch (error) {
      throw withFailedCall(error, `athena:GetTableMetadata on ${table.database}.${table.table}`, target);
    }
    const metadata = answer?.TableMetadata;
    if (!metadata) throw new AwsAdapterError('AWS.UNEXPECTED_RESPONSE', 'GetTableMetadata returned no TableMetadata');
    const columnsOf = (list: Array<{ Name?: string; Type?: string }> | undefined) =>
      (list ?? [])
        .filter((c): c is { Name: string; Type?: string } => typeof c.Name === 'string')
        .map((c) => ({ name: c.Name, type: (c.Type ?? 'string').toLowerCase() }));
    return {
      columns: columnsOf(metadata.Columns),
      partitionKeys: columnsOf(metadata.PartitionKeys),
      parameters: metadata.Parameters ?? {},
    };
  }
}
