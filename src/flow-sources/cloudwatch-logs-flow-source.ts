import type { CloudWatchLogsFlowSource as InsightsFlowQueries } from '../aws/cloudwatch-logs-flow-source';
import type { FlowAggregate } from '../engine/flow-log/flow-record';
import { awsTargetOf } from '../snapshots/aws-target-of.util';
import type { CloudWatchLogsFlowSourceSettings } from '../targets/target-sources';
import type { FlowSource, FlowSourceStatistics, FlowWindowRequest } from './flow-source';
import { unreadStatistics } from './unread-statistics.util';

/**
 * Flows from a flow log publishing to CloudWatch Logs: aggregated by Logs Insights per tuple and
 * hour (src/aws CloudWatchLogsFlowSource), so REJECT aggregates carry their records per hour as
 * the Athena and files sources' do. Every ACCEPT aggregate of the window is returned, as the
 * files source returns them. The records of the window the queries left out (SKIPDATA, values
 * they could not read, messages that do not match the log format) are reported as the files
 * source reports its own; under a scope, the messages that do not match the format are counted
 * as their log group's all the same, having no VPC or subnet to be placed by.
 */
export class CloudWatchLogsTargetFlowSource implements FlowSource<CloudWatchLogsFlowSourceSettings> {
  readonly type = 'cloudwatch-logs' as const;

  constructor(private readonly queries: InsightsFlowQueries) {}

  async read(
    request: FlowWindowRequest<CloudWatchLogsFlowSourceSettings>,
    sink: (aggregate: FlowAggregate) => void,
  ): Promise<FlowSourceStatistics> {
    const { settings, target } = request;
    const result = await this.queries.run({
      target: awsTargetOf(target),
      config: { logGroupName: settings.logGroupName, flowLogId: settings.flowLogId, logFormat: settings.logFormat },
      from: request.window.from,
      to: request.window.to,
      scope: { vpcIds: target.scope.vpcIds, subnetIds: target.scope.subnetIds },
      flowLogs: request.snapshot.FlowLogs ?? null,
      signal: request.signal,
    });
    let rejected = 0;
    let accepted = 0;
    for (const aggregate of result.aggregates) {
      if (aggregate.action === 'REJECT') rejected += aggregate.records;
      else accepted += aggregate.records;
      sink(aggregate);
    }
    const { warnings: unreadWarnings, ...unread } = unreadStatistics(
      result.unread.map((u) => ({ source: u.logGroupName, unread: u.unread })),
    );
    // Insights answers a log group without events in the time range with an empty result, not an
    // error: a log group the flow log does not publish to would read as a window without traffic.
    const warnings = [
      ...unreadWarnings,
      ...result.unknownFields.map(({ logGroupName, field }) => ({
        file: logGroupName,
        message: `unknown flow-log field "${field}" in the format: newer than sgdoctor, its values were not read`,
      })),
      ...Object.entries(result.recordsScannedByLogGroup)
        .filter(([, scanned]) => scanned === 0)
        .map(([logGroupName]) => ({
          file: logGroupName,
          message:
            "CloudWatch Logs Insights scanned no log event of the window in this log group: check that it is the one the flow log publishes to (the target's logGroupName or flowLogId)",
        })),
    ];
    return {
      records: rejected + accepted,
      rejectedRecords: rejected,
      acceptedRecords: accepted,
      ...unread,
      ...(warnings.length ? { warnings } : {}),
      bytesScanned: result.bytesScanned,
      estimatedCostUsd: result.estimatedCostUsd,
      insights: {
        logGroupNames: result.logGroupNames,
        queryIds: result.queryIds,
        queries: result.queries,
        splits: result.splits,
        recordsMatched: result.recordsMatched,
        recordsScanned: result.recordsScanned,
        rows: result.rows,
      },
    };
  }
}
