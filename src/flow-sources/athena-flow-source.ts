import type { AthenaFlowSource as AthenaFlowQueries } from '../aws/athena-flow-source';
import type { AthenaTableInspector } from '../aws/athena-table-inspector';
import { type AthenaTablePlan, planAthenaTable } from '../aws/athena-table-layout';
import { AwsAdapterError } from '../aws/aws-adapter.error';
import type { AwsTarget } from '../aws/aws-target';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { awsTargetOf } from '../snapshots/aws-target-of.util';
import type { AthenaFlowSourceSettings } from '../targets/target-sources';
import type { FlowSource, FlowSourceStatistics, FlowWindowRequest } from './flow-source';
import { unreadStatistics } from './unread-statistics.util';

/**
 * Flows from an Athena table over the flow log's S3 objects: one scan of the table per window
 * returns the REJECT aggregates (with their records per hour) and the ACCEPT evidence the
 * diagnosis uses (reverse flows, services accepted per interface) together, and counts the
 * records of the window it left out (SKIPDATA, values it could not read), reported as the files
 * source reports its own.
 */
export class AthenaTableFlowSource implements FlowSource<AthenaFlowSourceSettings> {
  readonly type = 'athena' as const;

  constructor(
    private readonly queries: AthenaFlowQueries,
    private readonly tables: AthenaTableInspector,
  ) {}

  async read(
    request: FlowWindowRequest<AthenaFlowSourceSettings>,
    sink: (aggregate: FlowAggregate) => void,
  ): Promise<FlowSourceStatistics> {
    const { settings, target } = request;
    const aws = awsTargetOf(target);
    const { layout, delimitedText } = await this.validatedPlan(aws, settings);
    let rejectedRecords = 0;
    let acceptedRecords = 0;
    const result = await this.queries.run(
      {
        analysisId: request.analysisId,
        attempt: request.attempt,
        kind: 'window',
        target: aws,
        config: {
          catalog: settings.catalog,
          database: settings.database,
          table: settings.table,
          workgroup: settings.workgroup,
          outputLocation: settings.outputLocation,
          layout,
          logFormat: settings.logFormat,
          logDestination: settings.logDestination ?? null,
          delimitedText,
        },
        from: request.window.from,
        to: request.window.to,
        scope: { vpcIds: target.scope.vpcIds, subnetIds: target.scope.subnetIds },
        members: request.members ?? null,
        flowLogs: request.snapshot.FlowLogs ?? null,
        signal: request.signal,
        ledger: request.athenaLedger ?? null,
      },
      (aggregate) => {
        if (aggregate.action === 'REJECT') rejectedRecords += aggregate.records;
        else acceptedRecords += aggregate.records;
        sink(aggregate);
      },
    );
    const table = `${settings.database}.${settings.table}`;
    const { warnings: unreadWarnings, ...unread } = unreadStatistics([{ source: table, unread: result.unread }]);
    // A query over partitions that hold no object (not added, projected elsewhere, another
    // location) succeeds with no row and scans nothing: said, not read as a window without traffic.
    const warnings = [
      ...unreadWarnings,
      ...result.unknownFields.map((field) => ({
        file: table,
        message: `unknown flow-log field "${field}" in the format: newer than sgdoctor, its column was not read`,
      })),
    ];
    if (result.dataScannedBytes === 0 && rejectedRecords + acceptedRecords === 0) {
      warnings.push({
        file: table,
        message:
          "Athena read no data of the table for the window (0 bytes scanned): check that the table's location and partitions (added, or projected) cover the flow log's objects of these days",
      });
    }
    return {
      bytesScanned: result.dataScannedBytes,
      estimatedCostUsd: result.estimatedCostUsd,
      queryExecutionIds: [result.queryExecutionId],
      rejectedRecords,
      acceptedRecords,
      records: rejectedRecords + acceptedRecords,
      ...unread,
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /**
   * The table is read again (GetTableMetadata) before each analysis: a target stored before its
   * layout carried the table's types, or a table changed since, gets the layout the table has
   * now (and whether it reads delimited text, so the query counts lines too short for the
   * format), and a table the query cannot run on fails the analysis with the reason, before any
   * query is paid for.
   */
  private async validatedPlan(aws: AwsTarget, settings: AthenaFlowSourceSettings): Promise<AthenaTablePlan> {
    const schema = await this.tables.read(aws, settings);
    const plan = planAthenaTable(schema, settings.layout, settings.logFormat);
    if (plan.problems.length > 0) {
      throw new AwsAdapterError(
        'AWS.INVALID_CONFIGURATION',
        `the Athena table ${settings.database}.${settings.table} cannot be queried: ${plan.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        { problems: plan.problems },
      );
    }
    return plan;
  }
}
