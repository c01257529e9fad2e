import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { NetworkSnapshot } from '../engine/network/snapshot';
import { ID_OF as SNAPSHOT_ID_OF, mergeSnapshots } from '../engine/network/snapshot-loader';
import type { AwsTarget } from './aws-target';
import { retryabilityOf } from '../common/errors/retryability';
import { abortableSleep } from './abortable-sleep.util';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { checkScopeDescribed, type Ec2Snapshotter, type ScopeNotDescribed } from './ec2-snapshotter';
import { listOrganizationAccounts, memberRoleArn } from './organization-accounts';

export interface OrganizationsClientProvider {
  organizations(target: AwsTarget): OrganizationsClient;
}

export interface OrganizationSnapshotRequest {
  /** The target's own account and region (the central one), and how to reach it: Organizations is asked from there. */
  central: AwsTarget;
  /** Member accounts; null = the ACTIVE accounts AWS Organizations lists. */
  accounts: readonly string[] | null;
  regions: readonly string[];
  roleName: string;
  externalId: string | null;
  vpcIds?: string[] | null;
  subnetIds?: string[] | null;
  signal?: AbortSignal;
}

/** How reading one member account in one region went. */
export interface MemberReading {
  accountId: string;
  region: string;
  /** `skipped`: an account the organisation lists as not active (suspended, closing, closed): nothing to read. */
  status: 'read' | 'failed' | 'skipped';
  /** Read: what the snapshot holds of it. */
  interfaces?: number;
  securityGroups?: number;
  networkAcls?: number;
  /** Failed: the AWS error's name (AccessDenied, UnauthorizedOperation …) and message. Skipped: the account's state and why. */
  error?: { code: string; message: string };
}

export interface OrganizationSnapshot {
  snapshot: NetworkSnapshot;
  members: MemberReading[];
  /** The ids of the scope no member describes, when members describe the rest (see checkScopeDescribed). */
  scopeNotDescribed?: ScopeNotDescribed;
}

/** A resource both accounts describe (a peering) is kept once; route tables are recognised by id too. */
const ID_OF: Readonly<Record<string, string>> = { ...SNAPSHOT_ID_OF, RouteTables: 'RouteTableId' };

/**
 * The configuration of every member account × region of an organisation target, each read with
 * the EC2 snapshotter through the role assumed in it (`roleName`, with the external id), merged
 * into one snapshot so security-group references and peerings across accounts resolve. A member
 * that cannot be read (the role is missing or refuses, the region is not enabled, the calls are
 * denied) is reported and left out; the others are analysed. Only when no member can be read does
 * the reading fail.
 */
export class OrganizationSnapshotter {
  constructor(
    private readonly ec2: Ec2Snapshotter,
    private readonly organizations: OrganizationsClientProvider,
    private readonly options: {
      concurrency?: number;
      /** The pause before members AWS throttled are read again (default 5 s). */
      throttledRetryDelayMs?: number;
    } = {},
  ) {}

  async snapshot(request: OrganizationSnapshotRequest): Promise<OrganizationSnapshot> {
    const listed = request.accounts
      ? null
      : await listOrganizationAccounts(this.organizations.organizations(request.central), request.signal);
    const accounts = listed ? listed.active.map((a) => a.id) : (request.accounts ?? []);
    const pairs = accounts.flatMap((accountId) => request.regions.map((region) => ({ accountId, region })));
    // Accounts the organisation lists as not active are named, not read.
    const skipped: MemberReading[] = (listed?.inactive ?? []).flatMap((account) =>
      request.regions.map((region) => ({
        accountId: account.id,
        region,
        status: 'skipped' as const,
        error: { code: account.state, message: `the organisation lists the account as ${account.state}: it has no configuration to read` },
      })),
    );
    const results = await new ConcurrencyLimiter(this.options.concurrency ?? 4).map(pairs, (pair) => this.readMember(request, pair));
    // Members AWS throttled (the SDK's own retries spent) are read once more when the others are
    // done, one at a time: the account's rate has had time to recover, and no concurrent member
    // competes for it. What is still throttled is left out, named as such.
    const throttled = results.flatMap((result, index) => (wasThrottled(result) ? [index] : []));
    if (throttled.length > 0) {
      await abortableSleep(this.options.throttledRetryDelayMs ?? 5000, request.signal);
      for (const index of throttled) {
        const again = await this.readMember(request, pairs[index]);
        if (wasThrottled(again) && again.reading.error) {
          again.reading.error.message = `still throttled after a second try: ${again.reading.error.message}`;
        }
        results[index] = again;
      }
    }
    const read = results.filter((r) => r.snapshot !== null);
    if (pairs.length > 0 && read.length === 0) throw results.find((r) => r.error !== undefined)?.error;
    const snapshot = mergeMembers(read.map((r) => r.snapshot as NetworkSnapshot));
    // Each member holds only some of the scope; the scope is checked against them all, and only
    // when every one was read (an unread member may hold what the others lack).
    const scopeNotDescribed =
      pairs.length > 0 && read.length === results.length
        ? checkScopeDescribed(snapshot, request, { accountIds: unique(pairs.map((p) => p.accountId)), regions: [...request.regions] })
        : null;
    return { snapshot, members: [...results.map((r) => r.reading), ...skipped], ...(scopeNotDescribed ? { scopeNotDescribed } : {}) };
  }

  private async readMember(
    request: OrganizationSnapshotRequest,
    { accountId, region }: { accountId: string; region: string },
  ): Promise<MemberResult> {
    request.signal?.throwIfAborted();
    const member: AwsTarget = {
      accountId,
      region,
      roleArn: memberRoleArn(accountId, region, request.roleName),
      externalId: request.externalId,
    };
    try {
      const snapshot = await this.ec2.snapshot({ ...member, vpcIds: request.vpcIds, subnetIds: request.subnetIds });
      const reading: MemberReading = {
        accountId,
        region,
        status: 'read',
        interfaces: snapshot.NetworkInterfaces?.length ?? 0,
        securityGroups: snapshot.SecurityGroups?.length ?? 0,
        networkAcls: snapshot.NetworkAcls?.length ?? 0,
      };
      return { reading, snapshot };
    } catch (error) {
      if (request.signal?.aborted) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      const reading: MemberReading = {
        accountId,
        region,
        status: 'failed',
        error: { code: name, message: error instanceof Error ? error.message : String(error) },
      };
      return { reading, snapshot: null, error };
    }
  }
}

interface MemberResult {
  reading: MemberReading;
  snapshot: NetworkSnapshot | null;
  /** Why the member could not be read. */
  error?: unknown;
}

/** AWS throttled the member's reading after the SDK's own retries. */
const wasThrottled = (result: MemberResult): boolean => result.error !== undefined && retryabilityOf(result.error).kind === 'throttled';

/** One snapshot of the members' snapshots, each resource once (by its id), validated as the engine reads it. */
export function mergeMembers(parts: readonly NetworkSnapshot[]): NetworkSnapshot {
  const merged: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'PrefixListEntries') {
        merged[key] = { ...(value as Record<string, unknown>), ...((merged[key] as Record<string, unknown>) ?? {}) };
        continue;
      }
      if (!Array.isArray(value)) continue;
      const list = (merged[key] as unknown[]) ?? [];
      const idMember = ID_OF[key];
      for (const item of value) {
        const id = idMember ? (item as Record<string, unknown>)[idMember] : undefined;
        if (typeof id === 'string') {
          if (seen.has(`${key}|${id}`)) continue;
          seen.add(`${key}|${id}`);
        }
        list.push(item);
      }
      merged[key] = list;
    }
  }
  return mergeSnapshots([merged]);
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];
