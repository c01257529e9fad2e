import type { ConfigServiceClient, ConfigurationItem, ResourceType } from '@aws-sdk/client-config-service';
import type { NetworkAcl, NetworkInterface, NetworkSnapshot, SecurityGroup } from '../engine/network/snapshot';
import { configServiceSdk } from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { withFailedCall } from './failed-call.util';
import { guardedPages } from './paginated.util';

export interface ConfigClientProvider {
  config(target: AwsTarget): ConfigServiceClient;
}

/** The resource types whose history changes what a flow meets. */
export const HISTORY_TYPES = {
  securityGroup: 'AWS::EC2::SecurityGroup',
  networkAcl: 'AWS::EC2::NetworkAcl',
  networkInterface: 'AWS::EC2::NetworkInterface',
} as const satisfies Record<string, ResourceType>;

type HistoryType = (typeof HISTORY_TYPES)[keyof typeof HISTORY_TYPES];

/** One recorded state of a resource: its configuration in the snapshot's shape, or null once deleted (or not recorded). */
export interface ResourceVersion {
  capturedAt: Date;
  status: string;
  configuration: SecurityGroup | NetworkAcl | NetworkInterface | null;
}

export interface ResourceHistory {
  type: HistoryType;
  id: string;
  /** Chronological: the state in force at the window's start (when recorded), then every change up to its end. */
  versions: ResourceVersion[];
}

export interface WindowHistory {
  histories: ResourceHistory[];
  /** Interfaces (and their groups) deleted since the window began, found through ListDiscoveredResources. */
  deletedInterfaces: string[];
  /** Resources AWS Config has no history of (not recorded): evaluated as they are now. */
  notRecorded: string[];
}

/**
 * The configuration of a target's security groups, network ACLs and interfaces as AWS Config
 * recorded it over one window: for each, the configuration item in force at the window's start
 * and every change until its end (GetResourceConfigHistory, through the SDK's paginator), and
 * the interfaces deleted since the window began (ListDiscoveredResources with deleted resources)
 * with their last recorded state — the Lambda, ECS and EKS interfaces that came and went.
 *
 * A call that fails names itself (with the resource it asked about), the account and the region:
 * AWS Config's refusals and its throttling once the SDK's retries are spent (`Rate exceeded`) name
 * none of them, and one analysis reads hundreds of histories.
 */
export class ConfigHistoryReader {
  constructor(
    private readonly clients: ConfigClientProvider,
    private readonly options: { concurrency?: number } = {},
  ) {}

  async read(target: AwsTarget, current: NetworkSnapshot, window: { from: Date; to: Date }, signal?: AbortSignal): Promise<WindowHistory> {
    const client = this.clients.config(target);
    const limiter = new ConcurrencyLimiter(this.options.concurrency ?? 4);
    const deleted = await this.deletedSince(client, HISTORY_TYPES.networkInterface, window.from, signal).catch((error: unknown) => {
      throw withFailedCall(error, 'config:ListDiscoveredResources', target);
    });
    const known = new Set((current.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId));
    const deletedInterfaces = deleted.filter((id) => !known.has(id)).sort();
    const resources: Array<{ type: HistoryType; id: string }> = [
      ...(current.SecurityGroups ?? []).map((g) => ({ type: HISTORY_TYPES.securityGroup, id: g.GroupId })),
      ...(current.NetworkAcls ?? []).map((a) => ({ type: HISTORY_TYPES.networkAcl, id: a.NetworkAclId })),
      ...[...known, ...deletedInterfaces].map((id) => ({ type: HISTORY_TYPES.networkInterface, id })),
    ];
    const history = (type: HistoryType, id: string) =>
      this.historyOf(client, type, id, window, signal).catch((error: unknown) => {
        throw withFailedCall(error, `config:GetResourceConfigHistory on ${id}`, target);
      });
    const histories = await limiter.map(resources, (resource) => history(resource.type, resource.id));
    // Groups of deleted interfaces that are gone too are read the same way.
    const groups = new Set((current.SecurityGroups ?? []).map((g) => g.GroupId));
    const missingGroups = new Set<string>();
    for (const history of histories) {
      if (history.type !== HISTORY_TYPES.networkInterface) continue;
      for (const version of history.versions) {
        for (const group of (version.configuration as NetworkInterface | null)?.Groups ?? [])
          if (group.GroupId && !groups.has(group.GroupId)) missingGroups.add(group.GroupId);
      }
    }
    histories.push(...(await limiter.map([...missingGroups].sort(), (id) => history(HISTORY_TYPES.securityGroup, id))));
    const notRecorded = histories
      .filter((h) => h.versions.length === 0)
      .map((h) => h.id)
      .sort();
    return { histories: histories.filter((h) => h.versions.length > 0), deletedInterfaces, notRecorded };
  }

  private async deletedSince(client: ConfigServiceClient, type: HistoryType, since: Date, signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    const { paginateListDiscoveredResources } = configServiceSdk();
    const pages = paginateListDiscoveredResources(
      { client },
      { resourceType: type, includeDeletedResources: true },
      ...(signal ? [{ abortSignal: signal }] : []),
    );
    for await (const page of guardedPages(pages, { operation: 'config:ListDiscoveredResources', next: (p) => p.nextToken })) {
      for (const resource of page.resourceIdentifiers ?? []) {
        if (resource.resourceId && resource.resourceDeletionTime && resource.resourceDeletionTime.getTime() >= since.getTime())
          ids.push(resource.resourceId);
      }
    }
    return ids;
  }

  private async historyOf(
    client: ConfigServiceClient,
    type: HistoryType,
    id: string,
    window: { from: Date; to: Date },
    signal?: AbortSignal,
  ): Promise<ResourceHistory> {
    const options = signal ? { abortSignal: signal } : undefined;
    const { GetResourceConfigHistoryCommand, paginateGetResourceConfigHistory } = configServiceSdk();
    try {
      // The newest item at or before the window's start is the configuration then in force.
      const before = await client.send(
        new GetResourceConfigHistoryCommand({ resourceType: type, resourceId: id, laterTime: window.from, limit: 1 }),
        options,
      );
      const items: ConfigurationItem[] = [...(before.configurationItems ?? [])];
      const pages = paginateGetResourceConfigHistory(
        { client },
        { resourceType: type, resourceId: id, earlierTime: window.from, laterTime: window.to, chronologicalOrder: 'Forward' },
        ...(options ? [options] : []),
      );
      for await (const page of guardedPages(pages, { operation: 'config:GetResourceConfigHistory', next: (p) => p.nextToken })) {
        items.push(...(page.configurationItems ?? []));
      }
      // The item in force at the start can come back in the window's pages too: one per recorded state.
      const byState = new Map<string, ConfigurationItem>();
      for (const item of items) {
        if (item.configurationItemCaptureTime)
          byState.set(item.configurationStateId ?? String(item.configurationItemCaptureTime.getTime()), item);
      }
      const versions = [...byState.values()]
        .map((item) => versionOf(type, item))
        .sort((a, b) => a.capturedAt.getTime() - b.capturedAt.getTime());
      return { type, id, versions };
    } catch (error) {
      // Never recorded (Config does not record this type, or recorded nothing of it yet).
      if ((error as { name?: string }).name === 'ResourceNotDiscoveredException') return { type, id, versions: [] };
      throw error;
    }
  }
}

function versionOf(type: HistoryType, item: ConfigurationItem): ResourceVersion {
  const status = item.configurationItemStatus ?? 'OK';
  const recorded = (status === 'OK' || status === 'ResourceDiscovered') && item.configuration;
  return {
    capturedAt: item.configurationItemCaptureTime as Date,
    status,
    configuration: recorded ? configurationOf(type, JSON.parse(item.configuration as string) as Record<string, unknown>) : null,
  };
}

/**
 * A configuration item's `configuration` (the EC2 API object in camelCase, as AWS Config records
 * it) in the snapshot's shape (the EC2 API's PascalCase). Security-group permissions carry their
 * IPv4 ranges twice — `ipv4Ranges` objects and the legacy `ipRanges` strings — and only the
 * objects (with their descriptions) are kept, or the strings when nothing else is there.
 */
export function configurationOf(type: HistoryType, configuration: Record<string, unknown>): SecurityGroup | NetworkAcl | NetworkInterface {
  const pascal = toPascal(configuration) as Record<string, unknown>;
  if (type === HISTORY_TYPES.securityGroup) {
    for (const member of ['IpPermissions', 'IpPermissionsEgress']) {
      pascal[member] = ((pascal[member] as Array<Record<string, unknown>> | undefined) ?? []).map(permissionOf);
    }
  }
  return pascal as unknown as SecurityGroup | NetworkAcl | NetworkInterface;
}

function permissionOf(permission: Record<string, unknown>): Record<string, unknown> {
  const { Ipv4Ranges: objects, IpRanges: legacy, ...rest } = permission;
  const ranges =
    Array.isArray(objects) && objects.length > 0
      ? objects
      : Array.isArray(legacy)
        ? legacy.map((cidr) => (typeof cidr === 'string' ? { CidrIp: cidr } : cidr))
        : [];
  return { ...rest, IpRanges: ranges };
}

function toPascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPascal);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null || inner === undefined) continue;
    out[key.charAt(0).toUpperCase() + key.slice(1)] = toPascal(inner);
  }
  return out;
}
