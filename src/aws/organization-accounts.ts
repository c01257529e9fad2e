import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsAdapterError } from './aws-adapter.error';
import { organizationsSdk } from './aws-sdk';
import { guardedPages } from './paginated.util';

export interface OrganizationAccount {
  id: string;
  name: string | null;
}

/** The organisation's accounts: those to read, and those left out with the state that rules them out. */
export interface OrganizationAccounts {
  active: OrganizationAccount[];
  /** SUSPENDED, PENDING_CLOSURE, CLOSED … (or a state the API leaves out: `UNKNOWN`). */
  inactive: Array<OrganizationAccount & { state: string }>;
}

/**
 * The accounts of the organisation, through ListAccounts (the SDK's paginator), called in the
 * management account or a delegated administrator. An account counts as active when its `State`
 * says so, or — from an API that predates `State` — its `Status`; closed, suspended and pending
 * accounts have no configuration to read, and are returned apart so the analysis can name them.
 */
export async function listOrganizationAccounts(client: OrganizationsClient, signal?: AbortSignal): Promise<OrganizationAccounts> {
  const active: OrganizationAccount[] = [];
  const inactive: OrganizationAccounts['inactive'] = [];
  const { paginateListAccounts } = organizationsSdk();
  try {
    const pages = paginateListAccounts({ client }, {}, ...(signal ? [{ abortSignal: signal }] : []));
    for await (const page of guardedPages(pages, { operation: 'organizations:ListAccounts', next: (p) => p.NextToken })) {
      for (const account of page.Accounts ?? []) {
        if (!account.Id) continue;
        const state = account.State ?? account.Status ?? 'UNKNOWN';
        if (state === 'ACTIVE') active.push({ id: account.Id, name: account.Name ?? null });
        else inactive.push({ id: account.Id, name: account.Name ?? null, state });
      }
    }
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    // Throttling and outages go on as they are (the analysis retries them); these need the user.
    if (name !== 'AccessDeniedException' && name !== 'AWSOrganizationsNotInUseException') throw error;
    throw new AwsAdapterError(
      'AWS.INVALID_CONFIGURATION',
      `cannot list the organisation's accounts (organizations:ListAccounts from the target's account): ${name}: ${(error as Error).message}; list the member accounts in configSource.accounts instead`,
      { name },
    );
  }
  const byId = (a: OrganizationAccount, b: OrganizationAccount) => a.id.localeCompare(b.id);
  return { active: active.sort(byId), inactive: inactive.sort(byId) };
}

/** The IAM partition of a region: `aws-cn` in China, `aws-us-gov` in GovCloud, `aws` elsewhere. */
export function partitionOf(region: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The ARN of the role named `roleName` (optionally with a path, `path/to/Name`) in `accountId`. */
export function memberRoleArn(accountId: string, region: string, roleName: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

/** Organizations is a global service answered in one region of each partition. */
export function organizationsRegionOf(region: string): string {
  const partition = partitionOf(region);
  if (partition === 'aws-cn') return 'cn-northwest-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}
