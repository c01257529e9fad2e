import {
  AthenaClient,
  type AthenaClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  DescribeFlowLogsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';
import { AthenaEmulator } from './aws-athena-emulator';
import { pageOf } from './aws-sample-responses';
import { ruleQuotasResponse } from './service-quotas-responses';

/** The EC2 list calls of a snapshot: command, result member, snapshot key. */
export const EC2_LIST_CALLS = [
  [DescribeSubnetsCommand, 'Subnets', 'Subnets'],
  [DescribeVpcsCommand, 'Vpcs', 'Vpcs'],
  [DescribeSecurityGroupsCommand, 'SecurityGroups', 'SecurityGroups'],
  [DescribeSecurityGroupRulesCommand, 'SecurityGroupRules', 'SecurityGroupRules'],
  [DescribeNetworkAclsCommand, 'NetworkAcls', 'NetworkAcls'],
  [DescribeNetworkInterfacesCommand, 'NetworkInterfaces', 'NetworkInterfaces'],
  [DescribeManagedPrefixListsCommand, 'PrefixLists', 'ManagedPrefixLists'],
  [DescribeVpcPeeringConnectionsCommand, 'VpcPeeringConnections', 'VpcPeeringConnections'],
  [DescribeFlowLogsCommand, 'FlowLogs', 'FlowLogs'],
  [DescribeRouteTablesCommand, 'RouteTables', 'RouteTables'],
  [DescribeTransitGatewaysCommand, 'TransitGateways', 'TransitGateways'],
  [DescribeTransitGatewayVpcAttachmentsCommand, 'TransitGatewayVpcAttachments', 'TransitGatewayVpcAttachments'],
] as const;

type AthenaStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, AthenaClientResolvedConfig>;
type FakeBehaviour = { callsFake(fn: (input: never) => unknown): unknown };

/**
 * One AWS account behind every EC2Client and ServiceQuotasClient (and, unless told otherwise,
 * every AthenaClient) the process builds: aws-sdk-client-mock replaces the clients' `send`. EC2
 * serves a snapshot as NextToken pages of `ec2PageSize` items; Service Quotas the snapshot's rule
 * quota, else EC2's default as it gives it for an account that never raised it; Athena is the
 * emulator.
 */
export class MockedAwsAccount {
  readonly ec2 = mockClient(EC2Client);
  readonly serviceQuotas = mockClient(ServiceQuotasClient);
  readonly athenaMock: AthenaStub | null;
  /** EC2 requests as sent, in order (the SDK paginators reuse one input object, so it is copied here). */
  readonly ec2Requests: Array<{ command: string; input: Record<string, unknown> }> = [];

  constructor(
    private readonly snapshot: NetworkSnapshot,
    readonly athena: AthenaEmulator,
    options: { mockAthena?: boolean; ec2PageSize?: number } = {},
  ) {
    this.ec2PageSize = options.ec2PageSize ?? 4;
    this.athenaMock = options.mockAthena === false ? null : mockClient(AthenaClient);
    this.reset();
  }

  private readonly ec2PageSize: number;

  /** The requests of one EC2 call, e.g. `DescribeSecurityGroupsCommand`. */
  ec2Calls(command: string): Array<Record<string, unknown>> {
    return this.ec2Requests.filter((r) => r.command === command).map((r) => r.input);
  }

  /** Forgets calls and queries and installs the default behaviour again; `overrides` replace parts of the served snapshot. */
  reset(overrides: Partial<NetworkSnapshot> = {}): void {
    this.ec2.reset();
    this.serviceQuotas.reset();
    this.ec2Requests.length = 0;
    this.athena.reset();
    this.serveSnapshot({ ...this.snapshot, ...overrides });
    if (this.athenaMock) this.serveAthena(this.athenaMock);
  }

  restore(): void {
    this.ec2.restore();
    this.serviceQuotas.restore();
    this.athenaMock?.restore();
  }

  private serveSnapshot(served: NetworkSnapshot): void {
    // Each rule quota asked for: the served snapshot's, else EC2's default for the account.
    this.serviceQuotas.on(GetServiceQuotaCommand).callsFake(async (input: { QuotaCode?: string }, getClient: () => ServiceQuotasClient) => {
      const region = await getClient().config.region();
      const account = served.SecurityGroups?.[0]?.OwnerId;
      const quota = served.ServiceQuotas?.find((q) => q.ServiceCode === 'vpc' && q.QuotaCode === input.QuotaCode);
      const answer = ruleQuotasResponse(input, { account, region });
      return { ...answer, $metadata: { ...answer.$metadata, requestId: 'sq-rule-quota' }, Quota: quota ?? answer.Quota };
    });
    const snapshot = served as unknown as Record<string, unknown[] | undefined>;
    for (const [command, member, key] of EC2_LIST_CALLS) {
      const items = snapshot[key] ?? [];
      (this.ec2.on(command) as unknown as FakeBehaviour).callsFake((input: { NextToken?: string }) => {
        this.ec2Requests.push({ command: command.name, input: structuredClone(input) });
        return pageOf(items, member, this.ec2PageSize, input.NextToken, command.name);
      });
    }
    // DescribeStaleSecurityGroups takes one VPC a call (not in EC2_LIST_CALLS): the groups of that VPC.
    this.ec2.on(DescribeStaleSecurityGroupsCommand).callsFake((input: { VpcId: string; NextToken?: string }) => {
      this.ec2Requests.push({ command: DescribeStaleSecurityGroupsCommand.name, input: structuredClone(input) });
      const groups = (served.StaleSecurityGroupSet ?? []).filter((g) => g.VpcId === input.VpcId);
      return pageOf(groups, 'StaleSecurityGroupSet', this.ec2PageSize, input.NextToken, DescribeStaleSecurityGroupsCommand.name);
    });
    this.ec2.on(GetManagedPrefixListEntriesCommand).callsFake((input: { PrefixListId: string; NextToken?: string }) => {
      this.ec2Requests.push({ command: GetManagedPrefixListEntriesCommand.name, input: structuredClone(input) });
      const entries = served.PrefixListEntries?.[input.PrefixListId];
      if (!entries) {
        throw Object.assign(new Error(`The prefix list ID '${input.PrefixListId}' does not exist`), {
          name: 'InvalidPrefixListID.NotFound',
          $fault: 'client',
        });
      }
      return pageOf(entries, 'Entries', 1, input.NextToken, 'GetManagedPrefixListEntries');
    });
  }

  private serveAthena(mock: AthenaStub): void {
    mock.on(StartQueryExecutionCommand).callsFake((input) => this.athena.startQueryExecution(input));
    mock.on(GetQueryExecutionCommand).callsFake((input) => this.athena.getQueryExecution(input));
    mock.on(StopQueryExecutionCommand).callsFake((input) => this.athena.stopQueryExecution(input));
    mock.on(GetQueryResultsCommand).callsFake((input) => this.athena.getQueryResults(input));
    mock.on(GetTableMetadataCommand).callsFake((input) => this.athena.getTableMetadata(input));
  }
}
