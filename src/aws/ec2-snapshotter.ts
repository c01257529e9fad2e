import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type {
  FlowLog,
  ManagedPrefixList,
  NetworkAcl,
  NetworkInterface,
  NetworkSnapshot,
  NotReadMember,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  ServiceQuota,
  StaleSecurityGroup,
  Subnet,
  TransitGateway,
  TransitGatewayVpcAttachment,
  Vpc,
  VpcPeeringConnection,
} from '../engine/network/snapshot';
import { RULES_PER_GROUP_QUOTA } from '../engine/network/rules-per-group-quota';
import { RULES_PER_NETWORK_ACL_QUOTA } from '../engine/network/rules-per-network-acl-quota';
import { ID_OF, validateSnapshot } from '../engine/network/snapshot-loader';
import { SnapshotValidationError } from '../engine/network/snapshot-validation.error';
import { AwsAdapterError } from './aws-adapter.error';
import type { AwsScopedTarget, AwsTarget } from './aws-target';
import { ec2Sdk, serviceQuotasSdk } from './aws-sdk';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { withFailedCall } from './failed-call.util';
import { guardedPages } from './paginated.util';
import { toPlainJson } from './plain-json.util';

export interface Ec2ClientProvider {
  ec2(target: AwsTarget): EC2Client;
}

/** The clients a snapshot is read with: EC2's, and Service Quotas' for the rule quotas. */
export interface SnapshotClientProvider extends Ec2ClientProvider {
  serviceQuotas(target: AwsTarget): ServiceQuotasClient;
}

export interface Ec2SnapshotterOptions {
  /** Describe calls in flight at once per snapshot (pages of one call are sequential). */
  concurrency?: number;
  /** MaxResults for the Describe* calls that accept up to 1000. */
  pageSize?: number;
}

/**
 * EC2 accepts at most 200 filter values in one call, over all its filters (`FilterLimitExceeded:
 * The maximum number of filter values specified on a single call is 200`).
 */
const MAX_FILTER_VALUES = 200;
/** DescribeManagedPrefixLists and GetManagedPrefixListEntries accept MaxResults 1–100. */
const PREFIX_LIST_PAGE_SIZE = 100;
/** EC2's answer for a prefix list that no longer exists (its actions spell the id part both ways). */
const PREFIX_LIST_GONE = /^InvalidPrefixListI[Dd]\.NotFound$/;
/** DescribeRouteTables accepts MaxResults 5–100. */
const ROUTE_TABLE_PAGE_SIZE = 100;
/** DescribeStaleSecurityGroups accepts MaxResults 5–255. */
const STALE_GROUP_PAGE_SIZE = 255;

/** The Describe call that lists each result member (as IAM names the action, without `ec2:`). */
const OPERATION_OF: Readonly<Record<string, string>> = {
  Subnets: 'DescribeSubnets',
  Vpcs: 'DescribeVpcs',
  SecurityGroups: 'DescribeSecurityGroups',
  SecurityGroupRules: 'DescribeSecurityGroupRules',
  NetworkAcls: 'DescribeNetworkAcls',
  NetworkInterfaces: 'DescribeNetworkInterfaces',
  PrefixLists: 'DescribeManagedPrefixLists',
  VpcPeeringConnections: 'DescribeVpcPeeringConnections',
  FlowLogs: 'DescribeFlowLogs',
  RouteTables: 'DescribeRouteTables',
  TransitGateways: 'DescribeTransitGateways',
  TransitGatewayVpcAttachments: 'DescribeTransitGatewayVpcAttachments',
  StaleSecurityGroupSet: 'DescribeStaleSecurityGroups',
};

/**
 * The error codes of a refusal: EC2 answers `UnauthorizedOperation`; `AccessDenied` is what an
 * endpoint or proxy in front of it may answer instead.
 */
const REFUSALS: ReadonlySet<string> = new Set(['UnauthorizedOperation', 'AccessDenied']);

/**
 * Service Quotas' failures that leave a rule quota out, EC2's default assumed in its place: all
 * but a cancellation. A quota only refines the fixes (and their risk says when it is EC2's
 * default), so no answer of it fails a read: the role lacking `servicequotas:GetServiceQuota`
 * (`AccessDeniedException`, or `AccessDenied` from a proxy; a policy may also grant it for one
 * quota's ARN and not the other's), the Region without an applied value
 * (`NoSuchResourceException`), throttling or a server error once the SDK's retries are spent, or a
 * network where Service Quotas cannot be reached (a private subnet with endpoints for EC2 only).
 */
const QUOTA_REFUSALS = 'any';
const GET_SERVICE_QUOTA = 'servicequotas:GetServiceQuota';

/**
 * The quotas a snapshot reads, each with a GetServiceQuota of its own: rules per security group
 * and rules per network ACL, which the fixes are held to. In this order in `ServiceQuotas` and
 * `NotRead`, whichever Service Quotas answers first.
 */
const RULE_QUOTAS = [RULES_PER_GROUP_QUOTA, RULES_PER_NETWORK_ACL_QUOTA] as const;

type Page = Record<string, unknown>;
type Paginate = (config: { client: EC2Client; pageSize?: number }, input: Record<string, unknown>) => AsyncIterable<Page>;

/**
 * Reads the network configuration of one account and region into the snapshot contract
 * (the EC2 API result members, PascalCase, as `aws ec2 describe-… --output json` prints them).
 *
 * Every call goes through the SDK's paginator (a next token given twice fails the read rather than
 * looping); throttling (`RequestLimitExceeded`) is retried by the client's retry strategy; a call
 * that fails for good says which action, account and region it was (EC2's own message names none);
 * a limiter bounds how many calls run at once. A scope (VPC ids,
 * subnet ids) becomes EC2 `Filters`; security groups are read for the whole VPCs in scope because
 * rules reference groups attached anywhere in the VPC, and route tables too, because a subnet
 * without an explicit association uses its VPC's main table.
 *
 * Route tables, transit gateways and their VPC attachments are optional parts, and read roles
 * granted before sgdoctor read them lack `ec2:DescribeRouteTables`, `ec2:DescribeTransitGateways`
 * or `ec2:DescribeTransitGatewayVpcAttachments`: one of those calls refused (`UnauthorizedOperation`,
 * `AccessDenied`) leaves its member out and says so in the snapshot's `NotRead`, where the route
 * hop, or a group reference through a transit gateway, finds why it cannot be checked; any other
 * call refused fails the read. Transit gateways are read for the whole account (they belong to no
 * VPC, and an account has a handful), their VPC attachments for the VPCs in scope.
 *
 * DescribeStaleSecurityGroups, asked once for each VPC read, is optional the same way: the rules
 * EC2 reports stale (`StaleSecurityGroupSet`), without which a reference to a deleted group of a
 * peer VPC stays unknown.
 *
 * The account's quotas of rules per security group and per network ACL in the region (Service
 * Quotas `vpc` `L-0EA8095F` and `L-2AEEBF1A`, one GetServiceQuota each, at once) go in
 * `ServiceQuotas`, for the fixes to be held to them rather than to EC2's defaults. Throttling is
 * the client's retry strategy's, as for EC2; any failure that is left (`AccessDeniedException`: a
 * role granted before sgdoctor asked for it; `NoSuchResourceException`; retries spent; Service
 * Quotas out of reach) names that quota in `NotRead` (its `QuotaCode`), and its default stands
 * (QUOTA_REFUSALS), while the other quota, read, is used. What is read is checked against the
 * snapshot contract before it is returned, as a snapshot file is.
 */
export class Ec2Snapshotter {
  private readonly concurrency: number;
  private readonly pageSize: number;

  constructor(
    private readonly clients: SnapshotClientProvider,
    options: Ec2SnapshotterOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.pageSize = options.pageSize ?? 1000;
  }

  async snapshot(target: AwsScopedTarget): Promise<NetworkSnapshot> {
    const client = this.clients.ec2(target);
    const {
      paginateDescribeFlowLogs,
      paginateDescribeManagedPrefixLists,
      paginateDescribeNetworkAcls,
      paginateDescribeNetworkInterfaces,
      paginateDescribeRouteTables,
      paginateDescribeSecurityGroupRules,
      paginateDescribeSecurityGroups,
      paginateDescribeSubnets,
      paginateDescribeTransitGatewayVpcAttachments,
      paginateDescribeTransitGateways,
      paginateDescribeVpcs,
    } = ec2Sdk();
    const limiter = new ConcurrencyLimiter(this.concurrency);
    const read = <T>(paginate: Paginate, member: string, filters: Filter[], pageSize = this.pageSize) =>
      this.describeAll<T>(target, client, limiter, paginate, member, filters, pageSize);

    const vpcIds = nonEmpty(target.vpcIds);
    const subnetIds = nonEmpty(target.subnetIds);

    const subnets = await read<Subnet>(
      paginateDescribeSubnets as Paginate,
      'Subnets',
      filters(['vpc-id', vpcIds], ['subnet-id', subnetIds]),
    );
    // With only subnets in scope, the VPCs are theirs: groups and peerings are per VPC.
    const scopeVpcIds = vpcIds ?? (subnetIds ? unique(subnets.map((s) => s.VpcId)) : undefined);

    const [vpcs, securityGroups, networkAcls, networkInterfaces, managedPrefixLists, peerings, routeTables, gateways, attachments] =
      await Promise.all([
        read<Vpc>(paginateDescribeVpcs as Paginate, 'Vpcs', filters(['vpc-id', scopeVpcIds])),
        read<SecurityGroup>(paginateDescribeSecurityGroups as Paginate, 'SecurityGroups', filters(['vpc-id', scopeVpcIds])),
        read<NetworkAcl>(
          paginateDescribeNetworkAcls as Paginate,
          'NetworkAcls',
          filters(['vpc-id', scopeVpcIds], ['association.subnet-id', subnetIds]),
        ),
        read<NetworkInterface>(
          paginateDescribeNetworkInterfaces as Paginate,
          'NetworkInterfaces',
          filters(['vpc-id', vpcIds], ['subnet-id', subnetIds]),
        ),
        read<ManagedPrefixList>(paginateDescribeManagedPrefixLists as Paginate, 'PrefixLists', [], PREFIX_LIST_PAGE_SIZE),
        this.peerings(read, scopeVpcIds),
        optional(target, 'RouteTables', () =>
          read<RouteTable>(paginateDescribeRouteTables as Paginate, 'RouteTables', filters(['vpc-id', scopeVpcIds]), ROUTE_TABLE_PAGE_SIZE),
        ),
        optional(target, 'TransitGateways', () => read<TransitGateway>(paginateDescribeTransitGateways as Paginate, 'TransitGateways', [])),
        optional(target, 'TransitGatewayVpcAttachments', () =>
          read<TransitGatewayVpcAttachment>(
            paginateDescribeTransitGatewayVpcAttachments as Paginate,
            'TransitGatewayVpcAttachments',
            filters(['vpc-id', scopeVpcIds]),
          ),
        ),
      ]);

    const scoped = Boolean(vpcIds ?? subnetIds);
    const [securityGroupRules, prefixListEntries, flowLogs, staleGroups, ruleQuotas] = await Promise.all([
      scoped && securityGroups.length === 0
        ? Promise.resolve([])
        : read<SecurityGroupRule>(
            paginateDescribeSecurityGroupRules as Paginate,
            'SecurityGroupRules',
            scoped ? filters(['group-id', securityGroups.map((g) => g.GroupId)]) : [],
          ),
      this.prefixListEntries(target, client, limiter, managedPrefixLists),
      read<FlowLog>(
        paginateDescribeFlowLogs as Paginate,
        'FlowLogs',
        scoped
          ? filters([
              'resource-id',
              unique([...(scopeVpcIds ?? []), ...subnets.map((s) => s.SubnetId), ...networkInterfaces.map((n) => n.NetworkInterfaceId)]),
            ])
          : [],
      ),
      optional(target, 'StaleSecurityGroupSet', () =>
        this.staleGroups(
          target,
          client,
          limiter,
          vpcs.map((v) => v.VpcId),
        ),
      ),
      // Service Quotas' calls, beside EC2's last ones (another service: outside their limiter).
      Promise.all(
        RULE_QUOTAS.map((quota) =>
          optional(target, 'ServiceQuotas', () => this.ruleQuota(target, quota), {
            action: GET_SERVICE_QUOTA,
            refusals: QUOTA_REFUSALS,
            quotaCode: quota.QuotaCode,
          }),
        ),
      ),
    ]);

    const snapshot = toPlainJson({
      SecurityGroups: securityGroups,
      SecurityGroupRules: securityGroupRules,
      NetworkAcls: networkAcls,
      NetworkInterfaces: networkInterfaces,
      Subnets: subnets,
      Vpcs: vpcs,
      // A list deleted since DescribeManagedPrefixLists listed it has no entries to read: it is gone.
      ManagedPrefixLists: managedPrefixLists.filter((list) => list.PrefixListId in prefixListEntries),
      VpcPeeringConnections: peerings,
      FlowLogs: flowLogs,
      PrefixListEntries: prefixListEntries,
      ...readOrNot(routeTables, gateways, attachments, staleGroups, ...ruleQuotas),
    });
    try {
      return validateSnapshot(snapshot);
    } catch (error) {
      if (!(error instanceof SnapshotValidationError)) throw error;
      const service = error.path.startsWith('ServiceQuotas') ? 'Service Quotas' : 'EC2';
      throw new SnapshotValidationError(
        error.path,
        `${error.detail} (as ${service} described it in account ${target.accountId}, ${target.region})`,
      );
    }
  }

  /**
   * One of the account's rule quotas in the target's region, as Service Quotas gives it. A quota
   * given without its value (`ErrorReason` in its place: SERVICE_QUOTA_NOT_AVAILABLE_ERROR, a
   * dependency refused or throttled) fails like the call, under that code: the snapshot goes on
   * without it, where the contract would refuse it and every analysis of the target with it.
   */
  private async ruleQuota(target: AwsTarget, quota: { ServiceCode: string; QuotaCode: string }): Promise<ServiceQuota[]> {
    const { GetServiceQuotaCommand } = serviceQuotasSdk();
    try {
      const { Quota } = await this.clients.serviceQuotas(target).send(new GetServiceQuotaCommand({ ...quota }));
      if (!Quota) return [];
      if (typeof Quota.Value !== 'number') {
        const reason = Quota.ErrorReason;
        const failure = new Error(reason?.ErrorMessage ?? 'the quota came without its value');
        failure.name = reason?.ErrorCode ?? 'NoQuotaValue';
        throw failure;
      }
      return [Quota as ServiceQuota];
    } catch (error) {
      throw withFailedCall(error, GET_SERVICE_QUOTA, target);
    }
  }

  /**
   * The groups with rules EC2 reports stale, of each VPC read (DescribeStaleSecurityGroups takes
   * one VPC a call, no filters): what decides that a reference across a deleted peering, or to a
   * deleted group, matches nothing. A VPC deleted since DescribeVpcs listed it
   * (`InvalidVpcID.NotFound`) has none, as a prefix list deleted meanwhile has no entries.
   */
  private async staleGroups(
    target: AwsTarget,
    client: EC2Client,
    limiter: ConcurrencyLimiter,
    vpcIds: string[],
  ): Promise<StaleSecurityGroup[]> {
    const { paginateDescribeStaleSecurityGroups } = ec2Sdk();
    const operation = `ec2:${OPERATION_OF.StaleSecurityGroupSet}`;
    const perVpc = await limiter.map(unique(vpcIds), async (VpcId) => {
      const groups: StaleSecurityGroup[] = [];
      try {
        const pages = paginateDescribeStaleSecurityGroups({ client, pageSize: STALE_GROUP_PAGE_SIZE }, { VpcId });
        for await (const page of guardedPages(pages, { operation, next: (p) => p.NextToken })) {
          groups.push(...((page.StaleSecurityGroupSet ?? []) as StaleSecurityGroup[]));
        }
      } catch (error) {
        // Deleted since DescribeVpcs listed it: a VPC that is gone has no rules, stale or not.
        if (errorCodeOf(error) === 'InvalidVpcID.NotFound') return [];
        throw withFailedCall(error, operation, target);
      }
      return groups;
    });
    return perVpc.flat();
  }

  /** Peerings where a scope VPC is either side; all of them when unscoped. */
  private async peerings(
    read: <T>(paginate: Paginate, member: string, filters: Filter[]) => Promise<T[]>,
    scopeVpcIds: string[] | undefined,
  ): Promise<VpcPeeringConnection[]> {
    const paginate = ec2Sdk().paginateDescribeVpcPeeringConnections as Paginate;
    if (!scopeVpcIds) return read<VpcPeeringConnection>(paginate, 'VpcPeeringConnections', []);
    const [asRequester, asAccepter] = await Promise.all([
      read<VpcPeeringConnection>(paginate, 'VpcPeeringConnections', filters(['requester-vpc-info.vpc-id', scopeVpcIds])),
      read<VpcPeeringConnection>(paginate, 'VpcPeeringConnections', filters(['accepter-vpc-info.vpc-id', scopeVpcIds])),
    ]);
    const byId = new Map<string, VpcPeeringConnection>();
    for (const peering of [...asRequester, ...asAccepter]) byId.set(peering.VpcPeeringConnectionId, peering);
    return [...byId.values()];
  }

  /**
   * The entries of each listed prefix list, by id. A list EC2 no longer knows when its entries are
   * asked for (`InvalidPrefixListID.NotFound`: deleted since DescribeManagedPrefixLists listed it,
   * which lists one being deleted too) is left out: EC2 refuses to delete a list a rule still
   * references, so none of the snapshot's rules needs it. Any other failure fails the read.
   */
  private async prefixListEntries(
    target: AwsTarget,
    client: EC2Client,
    limiter: ConcurrencyLimiter,
    lists: ManagedPrefixList[],
  ): Promise<Record<string, PrefixListEntry[]>> {
    const { paginateGetManagedPrefixListEntries } = ec2Sdk();
    const entries = await limiter.map(lists, async (list) => {
      const collected: PrefixListEntry[] = [];
      const operation = 'ec2:GetManagedPrefixListEntries';
      const pages = paginateGetManagedPrefixListEntries({ client, pageSize: PREFIX_LIST_PAGE_SIZE }, { PrefixListId: list.PrefixListId });
      try {
        for await (const page of guardedPages(pages, { operation, next: (p) => p.NextToken })) {
          collected.push(...((page.Entries ?? []) as PrefixListEntry[]));
        }
      } catch (error) {
        if (PREFIX_LIST_GONE.test(errorCodeOf(error) ?? '')) return [];
        throw withFailedCall(error, operation, target);
      }
      return [[list.PrefixListId, collected] as const];
    });
    return Object.fromEntries(entries.flat());
  }

  /**
   * All items of one Describe call. Filters with more values than EC2 accepts in one call are split
   * into chunks, one paginated call per combination of chunks (each under the limiter); an item
   * that more than one combination lists (a NACL associated with subnets of two chunks) is kept once.
   */
  private async describeAll<T>(
    target: AwsTarget,
    client: EC2Client,
    limiter: ConcurrencyLimiter,
    paginate: Paginate,
    member: string,
    allFilters: Filter[],
    pageSize: number,
  ): Promise<T[]> {
    // A filter without values matches nothing (e.g. subnets in scope that do not exist).
    if (allFilters.some((f) => (f.Values ?? []).length === 0)) return [];
    const batches = await limiter.map(chunkFilters(allFilters), async (batch) => {
      const items: T[] = [];
      // DescribeFlowLogs names its filter list `Filter`; every other Describe call `Filters`.
      const input = batch.length > 0 ? { [paginate === ec2Sdk().paginateDescribeFlowLogs ? 'Filter' : 'Filters']: batch } : {};
      const operation = `ec2:${OPERATION_OF[member] ?? member}`;
      try {
        const pages = guardedPages(paginate({ client, pageSize }, input), {
          operation,
          next: (page) => page.NextToken as string | undefined,
        });
        for await (const page of pages) items.push(...((page[member] as T[] | undefined) ?? []));
      } catch (error) {
        throw withFailedCall(error, operation, target);
      }
      return items;
    });
    if (batches.length <= 1) return batches.flat();
    const idMember = ID_OF[member === 'PrefixLists' ? 'ManagedPrefixLists' : member];
    const byId = new Map<unknown, T>();
    const all: T[] = [];
    for (const item of batches.flat()) {
      const id = idMember ? (item as Record<string, unknown>)[idMember] : undefined;
      if (id === undefined) all.push(item);
      else if (!byId.has(id)) {
        byId.set(id, item);
        all.push(item);
      }
    }
    return all;
  }
}

/** The VPC and subnet ids of a target's scope that EC2 does not describe. */
export interface ScopeNotDescribed {
  vpcIds: string[];
  subnetIds: string[];
}

/**
 * The VPC and subnet ids of a scope that a snapshot does not describe. The snapshotter turns a
 * scope into `Filters`, and a filter that matches nothing is an empty answer, not an error (only
 * the `VpcIds`/`SubnetIds` parameters fail, with `InvalidVpcID.NotFound`): an id mistyped, gone,
 * or of another account or region would otherwise read as a network with nothing in it, whose
 * flows no rule blocks and whose coverage has no gap.
 */
export function scopeNotDescribed(
  snapshot: NetworkSnapshot,
  scope: { vpcIds?: readonly string[] | null; subnetIds?: readonly string[] | null },
): ScopeNotDescribed {
  const described = new Set([...(snapshot.Vpcs ?? []).map((v) => v.VpcId), ...(snapshot.Subnets ?? []).map((s) => s.SubnetId)]);
  return {
    vpcIds: unique([...(scope.vpcIds ?? [])]).filter((id) => !described.has(id)),
    subnetIds: unique([...(scope.subnetIds ?? [])]).filter((id) => !described.has(id)),
  };
}

/**
 * The ids of the scope the snapshot of `where` does not describe (see scopeNotDescribed), or null
 * when it describes them all; `where` says in which accounts and regions EC2 was asked.
 *
 * A scope described in part is analysed over what exists, and what is missing is returned for the
 * analysis to name: a VPC or subnet deleted since the scope was written must not stop every
 * analysis of the target until someone edits it. A scope none of whose ids is described fails,
 * naming them (`AWS.INVALID_CONFIGURATION`): that is a mistyped id or the wrong account or region,
 * and an analysis of it would report an empty network with no blocked flows.
 */
export function checkScopeDescribed(
  snapshot: NetworkSnapshot,
  scope: { vpcIds?: readonly string[] | null; subnetIds?: readonly string[] | null },
  where: { accountIds: readonly string[]; regions: readonly string[] },
): ScopeNotDescribed | null {
  const missing = scopeNotDescribed(snapshot, scope);
  const missingCount = missing.vpcIds.length + missing.subnetIds.length;
  if (missingCount === 0) return null;
  const scopeCount = unique([...(scope.vpcIds ?? [])]).length + unique([...(scope.subnetIds ?? [])]).length;
  if (missingCount < scopeCount) return missing;
  const ids = [...missing.vpcIds, ...missing.subnetIds].join(', ');
  const regions = where.regions.join(', ');
  const [place, check] =
    where.accountIds.length === 1
      ? [`account ${where.accountIds[0]}, ${regions}`, "the ids and the target's region"]
      : [`any member account (${where.accountIds.join(', ')}) in ${regions}`, 'the ids, the accounts and the regions'];
  throw new AwsAdapterError(
    'AWS.INVALID_CONFIGURATION',
    `the target's scope names ${ids}, which EC2 does not describe in ${place}: check ${check}, or take them out of the scope`,
    { accountIds: [...where.accountIds], regions: [...where.regions], ...missing },
  );
}

/** An optional member as read, or the refusal that left it out. */
type Optional<M extends string, T> = { member: M; items: T[] } | { member: M; refused: NotReadMember };

/**
 * Reads an optional member (see Ec2Snapshotter): what AWS lists, or — when it refuses the call
 * (a read role granted before sgdoctor read that member) — the call, account, region and error
 * code to name in `NotRead` instead. The call is an EC2 Describe one and its refusals EC2's unless
 * `call` says otherwise (`any`: every failure but a cancellation); `quotaCode` names the quota
 * that a Service Quotas call left out.
 */
async function optional<M extends string, T>(
  target: AwsTarget,
  member: M,
  read: () => Promise<T[]>,
  call: { action: string; refusals: ReadonlySet<string> | 'any'; quotaCode?: string } = {
    action: `ec2:${OPERATION_OF[member]}`,
    refusals: REFUSALS,
  },
): Promise<Optional<M, T>> {
  try {
    return { member, items: await read() };
  } catch (error) {
    const code = errorCodeOf(error);
    if (code === undefined || code === 'AbortError' || (call.refusals !== 'any' && !call.refusals.has(code))) throw error;
    const refused = {
      Member: member,
      Action: call.action,
      ...(call.quotaCode !== undefined ? { QuotaCode: call.quotaCode } : {}),
      AccountId: target.accountId,
      Region: target.region,
      ErrorCode: code,
    };
    return { member, refused };
  }
}

/**
 * An AWS error's name (`UnauthorizedOperation`), a network error's code (`ECONNREFUSED`) in place of
 * its bare `Error`, or undefined. A code with its fault in front (`Client.UnauthorizedOperation`, as
 * CloudTrail and some EC2-compatible endpoints and proxies write it; the SDK keeps it as the name)
 * is the code without it.
 */
function errorCodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const name = error.name === 'Error' && typeof code === 'string' ? code : error.name;
  return name.replace(/^(?:Client|Server)\./, '');
}

/**
 * The optional members read, by name (the parts of one member, such as each quota of
 * `ServiceQuotas`, together in their order), and `NotRead` listing the refused ones (absent when
 * none was). A member none of whose parts was read is absent.
 */
function readOrNot(...parts: Optional<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  const notRead: NotReadMember[] = [];
  for (const part of parts) {
    if ('items' in part) out[part.member] = [...(out[part.member] ?? []), ...part.items];
    else notRead.push(part.refused);
  }
  return notRead.length > 0 ? { ...out, NotRead: notRead } : out;
}

function nonEmpty(values: string[] | null | undefined): string[] | undefined {
  return values && values.length > 0 ? values : undefined;
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
}

/** EC2 filters from (name, values) pairs, leaving out the pairs without values. */
function filters(...pairs: [string, string[] | undefined][]): Filter[] {
  return pairs.filter(([, values]) => values !== undefined).map(([Name, values]) => ({ Name, Values: values }));
}

/**
 * The cartesian product of every filter split into chunks, the chunks' sizes chosen so that one
 * combination carries at most MAX_FILTER_VALUES values in all: the smaller filters whole where
 * they fit, the budget left shared by the larger ones.
 */
function chunkFilters(all: Filter[]): Filter[][] {
  const sizes = new Map<Filter, number>();
  let budget = MAX_FILTER_VALUES;
  const bySize = [...all].sort((a, b) => (a.Values ?? []).length - (b.Values ?? []).length);
  bySize.forEach((filter, index) => {
    const size = Math.max(1, Math.min((filter.Values ?? []).length, Math.floor(budget / (bySize.length - index))));
    sizes.set(filter, size);
    budget -= size;
  });
  let combos: Filter[][] = [[]];
  for (const filter of all) {
    const values = filter.Values ?? [];
    const size = sizes.get(filter) ?? MAX_FILTER_VALUES;
    const chunks: string[][] = [];
    for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
    if (chunks.length === 0) chunks.push([]);
    combos = combos.flatMap((combo) => chunks.map((chunk) => [...combo, { Name: filter.Name, Values: chunk }]));
  }
  return combos;
}
