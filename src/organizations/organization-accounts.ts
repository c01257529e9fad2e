import { type Account, type OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import type { AwsTarget } from '../aws/aws-target';

export interface OrganizationsClientProvider {
  organizations(target: AwsTarget): OrganizationsClient;
}

/** A member account to analyse, and the role assumed in it to read its configuration. */
export interface MemberAccount {
  accountId: string;
  name: string | null;
  roleArn: string;
}

/** An account named or listed that will not be analysed, and why (shown with the analysis). */
export interface SkippedAccount {
  accountId: string;
  name: string | null;
  reason: string;
}

export interface MemberAccountOptions {
  /**
   * The role to assume in each member account: a role name (`sgdoctor-read`, or a path
   * `team/sgdoctor-read`), or an ARN pattern holding `{accountId}` (and optionally `{partition}`).
   */
  rolePattern: string;
  /** Only these accounts (checked against the organization); all active accounts when absent. */
  accountIds?: readonly string[] | null;
  /** The partition of the role ARNs (`aws`, `aws-cn`, `aws-us-gov`). */
  partition?: string;
}

const ACCOUNT_ID = /^\d{12}$/;

/** The role ARN in one member account, from a role name or an ARN pattern. */
export function memberRoleArn(rolePattern: string, accountId: string, partition = 'aws'): string {
  if (!ACCOUNT_ID.test(accountId)) throw new RangeError(`not an account id: ${accountId}`);
  if (!rolePattern.startsWith('arn:')) return `arn:${partition}:iam::${accountId}:role/${rolePattern.replace(/^\/+/, '')}`;
  return rolePattern.replace(/\{accountId\}/g, accountId).replace(/\{partition\}/g, partition);
}

/**
 * The member accounts of an organization (AWS Organizations ListAccounts, through the SDK's
 * paginator, asked of the management or a delegated administrator account), each with the role
 * to assume in it. Accounts that are not active (suspended, closing, pending activation) are
 * skipped and named with their state; a given account the organization does not hold is
 * skipped and named too, so a typo never passes as an account without findings.
 */
export class OrganizationAccounts {
  constructor(private readonly clients: OrganizationsClientProvider) {}

  async list(management: AwsTarget, options: MemberAccountOptions): Promise<{ accounts: MemberAccount[]; skipped: SkippedAccount[] }> {
    const listed = new Map<string, Account>();
    for await (const page of paginateListAccounts({ client: this.clients.organizations(management), pageSize: 20 }, {})) {
      for (const account of page.Accounts ?? []) if (account.Id) listed.set(account.Id, account);
    }
    const wanted = options.accountIds ? [...new Set(options.accountIds)] : [...listed.keys()].sort();
    const accounts: MemberAccount[] = [];
    const skipped: SkippedAccount[] = [];
    for (const accountId of wanted) {
      const account = listed.get(accountId);
      if (!account) {
        skipped.push({ accountId, name: null, reason: 'not an account of the organization (ListAccounts)' });
        continue;
      }
      const name = account.Name ?? null;
      // `State` replaces the deprecated `Status`; older answers carry only `Status`.
      const state = account.State ?? account.Status ?? 'UNKNOWN';
      if (state !== 'ACTIVE') {
        skipped.push({ accountId, name, reason: `the account is ${state}` });
        continue;
      }
      accounts.push({ accountId, name, roleArn: memberRoleArn(options.rolePattern, accountId, options.partition) });
    }
    return { accounts, skipped };
  }
}
