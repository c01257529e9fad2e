import type { EC2Client } from '@aws-sdk/client-ec2';
import type { FlowLog } from '../engine/network/snapshot';
import { ec2Sdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { withFailedCall } from './failed-call.util';
import { guardedPages } from './paginated.util';

/**
 * The target's flow logs that deliver to one kind of destination (DescribeFlowLogs, every page): the
 * log formats the Athena and CloudWatch Logs sources read their records by. A refused or failed
 * call names the action, account and region.
 */
export async function describeFlowLogsDeliveringTo(
  client: EC2Client,
  target: AwsTarget,
  destinationType: 's3' | 'cloud-watch-logs',
): Promise<FlowLog[]> {
  const logs: FlowLog[] = [];
  const { paginateDescribeFlowLogs } = ec2Sdk();
  const pages = paginateDescribeFlowLogs(
    { client, pageSize: 1000 },
    { Filter: [{ Name: 'log-destination-type', Values: [destinationType] }] },
  );
  const operation = 'ec2:DescribeFlowLogs';
  try {
    for await (const page of guardedPages(pages, { operation, next: (p) => p.NextToken }))
      logs.push(...((page.FlowLogs ?? []) as FlowLog[]));
  } catch (error) {
    throw withFailedCall(error, operation, target);
  }
  return logs;
}
