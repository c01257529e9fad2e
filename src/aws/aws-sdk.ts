import type * as AthenaSdk from '@aws-sdk/client-athena';
import type * as CloudWatchLogsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as ConfigServiceSdk from '@aws-sdk/client-config-service';
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type * as OrganizationsSdk from '@aws-sdk/client-organizations';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type * as ServiceQuotasSdk from '@aws-sdk/client-service-quotas';
import type * as StsSdk from '@aws-sdk/client-sts';
import type * as CredentialProvidersSdk from '@aws-sdk/credential-providers';

/**
 * The AWS SDK's modules, each loaded the first time a target needs it.
 *
 * Loading them is most of a process's memory at start (about 200 MB of RSS for all of them,
 * client-ec2 alone about 90 MB), and a worker whose targets read flow files and snapshot files
 * needs none. So the rest of src imports only the SDK's types (`import type`) and reaches its
 * clients, commands and paginators through these loaders:
 *
 *     const { DescribeVpcsCommand } = ec2Sdk();
 *
 * The dependency fence (`aws-sdk-loads-on-first-use` in .dependency-cruiser.cjs) keeps every
 * other runtime import of the SDK out. The modules are Node's usual ones (same module cache),
 * so a test's `mockClient(EC2Client)` patches the very class these loaders return.
 */
function onFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

export const athenaSdk = onFirstUse(() => require('@aws-sdk/client-athena') as typeof AthenaSdk);
export const cloudWatchLogsSdk = onFirstUse(() => require('@aws-sdk/client-cloudwatch-logs') as typeof CloudWatchLogsSdk);
export const configServiceSdk = onFirstUse(() => require('@aws-sdk/client-config-service') as typeof ConfigServiceSdk);
export const ec2Sdk = onFirstUse(() => require('@aws-sdk/client-ec2') as typeof Ec2Sdk);
export const organizationsSdk = onFirstUse(() => require('@aws-sdk/client-organizations') as typeof OrganizationsSdk);
export const s3Sdk = onFirstUse(() => require('@aws-sdk/client-s3') as typeof S3Sdk);
export const serviceQuotasSdk = onFirstUse(() => require('@aws-sdk/client-service-quotas') as typeof ServiceQuotasSdk);
export const stsSdk = onFirstUse(() => require('@aws-sdk/client-sts') as typeof StsSdk);
export const credentialProvidersSdk = onFirstUse(() => require('@aws-sdk/credential-providers') as typeof CredentialProvidersSdk);
