import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AwsAdapterError } from './aws-adapter.error';
import { organizationsSdk } from './aws-sdk';
import { guardedPages } from './paginated.util';

export interface OrganizationAccount {
  id: string;
  name: string | null;
}

/**
 * The ACTIVE accounts of the organisation, through ListAccounts (the SDK's paginator), called in
 * the management account or a delegated administrator. An account counts as active when its
 * `State` says so, or — from an API that predates `State` — its `Status`; closed, suspended and
 * pending accounts have no configuration to read.
 */
export async function listActiveAccounts(client: OrganizationsClient, signal?: AbortSignal): Promise<OrganizationAccount[]> {
  const accounts: OrganizationAccount[] = [];
  const { paginateListAccounts } = organizationsSdk();
  try {
    const pages = paginateListAccounts({ client }, {}, ...(signal ? [{ abortSignal: signal }] : []));
    for await (const page of guardedPages(pages, { operation: 'organizations:ListAccounts', next: (p) => p.NextToken })) {
      for (const account of page.Accounts ?? []) {
        const state = account.State ?? account.Status;
        if (account.Id && state === 'ACTIVE') accounts.push({ id: account.Id, name: account.Name ?? null });
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
  return accounts.sort((a, b) => a.id.localeCompare(b.id));
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
