import { ListAccountsCommand, type ListAccountsCommandInput, OrganizationsClient } from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { memberRoleArn, OrganizationAccounts } from '../../../src/organizations/organization-accounts';

const metadata = { httpStatusCode: 200, requestId: 'list-accounts', attempts: 1, totalRetryDelay: 0 };

function account(id: string, name: string, state: string | null, status: string | null = state) {
  return {
    Id: id,
    Arn: `arn:aws:organizations::999988887777:account/o-a1b2c3d4e5/${id}`,
    Email: `${name}@example.com`,
    Name: name,
    ...(status ? { Status: status } : {}),
    ...(state ? { State: state } : {}),
    JoinedMethod: 'CREATED',
    JoinedTimestamp: new Date('2025-03-01T10:00:00Z'),
  };
}

/** Three pages of ListAccounts as Organizations answers them (NextToken until the last). */
const PAGES = [
  [account('111122223333', 'shop-prod', 'ACTIVE'), account('222233334444', 'shop-staging', 'ACTIVE')],
  [account('333344445555', 'legacy', 'SUSPENDED'), account('444455556666', 'closing', 'PENDING_CLOSURE')],
  // An answer from before `State` existed: only the deprecated `Status`.
  [account('555566667777', 'data', null, 'ACTIVE')],
];

describe('member accounts of an organization through ListAccounts', () => {
  const organizations = mockClient(OrganizationsClient);
  const requests: ListAccountsCommandInput[] = [];
  const accounts = new OrganizationAccounts({ organizations: () => new OrganizationsClient({ region: 'us-east-1' }) });
  const management = { accountId: '999988887777', region: 'us-east-1' };

  beforeEach(() => {
    organizations.reset();
    requests.length = 0;
    organizations.on(ListAccountsCommand).callsFake((input: ListAccountsCommandInput) => {
      requests.push({ ...input });
      const index = input.NextToken ? Number(input.NextToken.slice('page-'.length)) : 0;
      return { $metadata: metadata, Accounts: PAGES[index], ...(index + 1 < PAGES.length ? { NextToken: `page-${index + 1}` } : {}) };
    });
  });

  afterAll(() => organizations.restore());

  it('lists every page and keeps the active accounts, with the role to assume in each; the others are named with their state', async () => {
    const result = await accounts.list(management, { rolePattern: 'sgdoctor-read' });
    expect(requests.map((r) => r.NextToken ?? null)).toEqual([null, 'page-1', 'page-2']);
    expect(requests.every((r) => r.MaxResults === 20)).toBe(true);
    expect(result.accounts).toEqual([
      { accountId: '111122223333', name: 'shop-prod', roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read' },
      { accountId: '222233334444', name: 'shop-staging', roleArn: 'arn:aws:iam::222233334444:role/sgdoctor-read' },
      { accountId: '555566667777', name: 'data', roleArn: 'arn:aws:iam::555566667777:role/sgdoctor-read' },
    ]);
    expect(result.skipped).toEqual([
      { accountId: '333344445555', name: 'legacy', reason: 'the account is SUSPENDED' },
      { accountId: '444455556666', name: 'closing', reason: 'the account is PENDING_CLOSURE' },
    ]);
  });

  it('an account list given is checked against the organization: one it does not hold is skipped and named', async () => {
    const result = await accounts.list(management, {
      rolePattern: 'arn:{partition}:iam::{accountId}:role/security/sgdoctor-read',
      accountIds: ['222233334444', '123456789012', '222233334444'],
      partition: 'aws-us-gov',
    });
    expect(result.accounts).toEqual([{ accountId: '222233334444', name: 'shop-staging', roleArn: 'arn:aws-us-gov:iam::222233334444:role/security/sgdoctor-read' }]);
    expect(result.skipped).toEqual([{ accountId: '123456789012', name: null, reason: 'not an account of the organization (ListAccounts)' }]);
  });

  it('an access denied answer is the caller\'s to report (it is not an empty organization)', async () => {
    organizations.on(ListAccountsCommand).rejects(
      Object.assign(new Error('You don\'t have permissions to access this resource.'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
    );
    await expect(accounts.list(management, { rolePattern: 'sgdoctor-read' })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('role ARNs from a name or a pattern', () => {
    expect(memberRoleArn('/sgdoctor-read', '111122223333')).toBe('arn:aws:iam::111122223333:role/sgdoctor-read');
    expect(memberRoleArn('arn:aws:iam::{accountId}:role/a', '111122223333')).toBe('arn:aws:iam::111122223333:role/a');
    expect(() => memberRoleArn('x', '1234')).toThrow(RangeError);
  });
});
