import type { AthenaClient, AthenaClientConfig } from '@aws-sdk/client-athena';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { EC2Client, EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { AwsAdapterError } from './aws-adapter.error';
import {
  athenaSdk,
  cloudWatchLogsSdk,
  configServiceSdk,
  credentialProvidersSdk,
  ec2Sdk,
  organizationsSdk,
  s3Sdk,
  serviceQuotasSdk,
  stsSdk,
} from './aws-sdk';
import type { AwsTarget } from './aws-target';
import { organizationsRegionOf } from './organization-accounts';
import { Clock, SystemClock } from '../common/clock/clock';

/**
 * Client settings applied to every client the factory builds. Meant for embedding and tests
 * (a request handler, a retry strategy with short delays); production leaves it empty so the SDK
 * resolves everything from the environment.
 */
export type AwsSharedClientConfig = Pick<
  EC2ClientConfig & AthenaClientConfig & STSClientConfig,
  'requestHandler' | 'retryStrategy' | 'maxAttempts' | 'logger' | 'credentials'
>;

export interface AwsClientFactoryOptions {
  /** Environment the SDK settings are read from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Name of the STS session, visible in the target account's CloudTrail. */
  roleSessionName?: string;
  /** Lifetime of assumed-role credentials; the provider refreshes them before expiry. */
  roleDurationSeconds?: number;
  clientConfig?: AwsSharedClientConfig;
  /** When shared credentials count as expiring; the system clock by default. */
  clock?: Clock;
}

interface ClientSet {
  credentials?: AwsCredentialIdentityProvider;
  ec2?: EC2Client;
  athena?: AthenaClient;
  sts?: STSClient;
  organizations?: OrganizationsClient;
  config?: ConfigServiceClient;
  cloudWatchLogs?: CloudWatchLogsClient;
  s3?: S3Client;
  serviceQuotas?: ServiceQuotasClient;
}

/** Refresh assumed-role credentials this long before they expire. */
const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Each SDK client memoizes its credentials on its own; sharing one cache across a target's
 * EC2, Athena and STS clients means one AssumeRole per expiry instead of one per client.
 * Concurrent callers wait on the same call; a failed call is retried by the next caller.
 */
function shareCredentials(provider: AwsCredentialIdentityProvider, clock: Clock): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | null = null;
  let current: AwsCredentialIdentity | null = null;
  const fresh = (c: AwsCredentialIdentity | null) =>
    c !== null && (!c.expiration || c.expiration.getTime() - clock.nowMs() > CREDENTIAL_REFRESH_MARGIN_MS);
  return async (options) => {
    if (fresh(current)) return current as AwsCredentialIdentity;
    pending ??= provider(options)
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };
}

/**
 * `provider`, whose credentials are first checked to be `account`'s (by `accountOf`): until one
 * check succeeds every caller waits on it, and a failed or refused check fails the calls that
 * asked (the next caller checks again, so credentials fixed later are taken).
 */
function verifiedAccount(
  provider: AwsCredentialIdentityProvider,
  accountOf: (credentials: AwsCredentialIdentity) => Promise<string | null>,
  account: string,
): AwsCredentialIdentityProvider {
  let verified = false;
  let pending: Promise<void> | null = null;
  return async (options) => {
    const credentials = await provider(options);
    if (verified) return credentials;
    pending ??= accountOf(credentials)
      .then((actual) => {
        if (actual !== account) throw accountMismatch(account, actual, `credentials belong to account ${actual ?? 'unknown'}`);
        verified = true;
      })
      .finally(() => {
        pending = null;
      });
    await pending;
    return credentials;
  };
}

/** The account id of an ARN (`arn:aws:iam::123456789012:role/x`), null when it names none. */
function accountOfArn(arn: string): string | null {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : null;
}

function accountMismatch(expected: string, actual: string | null, what: string): AwsAdapterError {
  return new AwsAdapterError('AWS.ACCOUNT_MISMATCH', `${what}, target is ${expected}`, { expected, actual });
}

const DEFAULT_SESSION_NAME = 'sgdoctor';
const DEFAULT_ROLE_DURATION_SECONDS = 3600;

/**
 * Builds EC2, Athena, CloudWatch Logs, S3, Service Quotas and STS clients once per (account, region, role, external id, endpoints)
 * and reuses them, so connection pools, credential caches and the adaptive retry rate limiter
 * are shared by every call against one target.
 *
 * Credentials: the SDK default chain, or — when the target names a role — AssumeRole through
 * STS with the external id (`fromTemporaryCredentials` caches and refreshes them).
 * Endpoints, profile, region fallbacks and retry settings are left to the SDK; the only default
 * this factory adds is `retryMode: 'adaptive'` when the environment sets no retry mode, because
 * EC2 Describe* and Athena Get* calls are throttled per account and adaptive mode rate-limits
 * the client instead of hammering the API.
 */
export class AwsClientFactory {
  private readonly clients = new Map<string, ClientSet>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly clock: Clock;

  constructor(private readonly options: AwsClientFactoryOptions = {}) {
    this.env = options.env ?? process.env;
    this.clock = options.clock ?? new SystemClock();
  }

  ec2(target: AwsTarget): EC2Client {
    const set = this.clientSet(target);
    const { EC2Client } = ec2Sdk();
    set.ec2 ??= new EC2Client(this.clientConfig(target, set, target.endpoints?.ec2));
    return set.ec2;
  }

  athena(target: AwsTarget): AthenaClient {
    const set = this.clientSet(target);
    const { AthenaClient } = athenaSdk();
    set.athena ??= new AthenaClient(this.clientConfig(target, set, target.endpoints?.athena));
    return set.athena;
  }

  cloudWatchLogs(target: AwsTarget): CloudWatchLogsClient {
    const set = this.clientSet(target);
    const { CloudWatchLogsClient } = cloudWatchLogsSdk();
    set.cloudWatchLogs ??= new CloudWatchLogsClient(this.clientConfig(target, set, target.endpoints?.logs));
    return set.cloudWatchLogs;
  }

  /** S3 in the target's region; a bucket in another region is reached through the SDK's redirect handling. */
  s3(target: AwsTarget): S3Client {
    const set = this.clientSet(target);
    const { S3Client } = s3Sdk();
    set.s3 ??= new S3Client({ ...this.clientConfig(target, set, target.endpoints?.s3), followRegionRedirects: true });
    return set.s3;
  }

  /**
   * Service Quotas in the target's region, as EC2's client is built (credentials, retry, handler):
   * the security-group rule quota it gives is the region's. AWS_ENDPOINT_URL_SERVICE_QUOTAS is the
   * SDK's to honour.
   */
  serviceQuotas(target: AwsTarget): ServiceQuotasClient {
    const set = this.clientSet(target);
    const { ServiceQuotasClient } = serviceQuotasSdk();
    set.serviceQuotas ??= new ServiceQuotasClient(this.clientConfig(target, set, target.endpoints?.serviceQuotas));
    return set.serviceQuotas;
  }

  sts(target: AwsTarget): STSClient {
    const set = this.clientSet(target);
    const { STSClient } = stsSdk();
    set.sts ??= new STSClient(this.clientConfig(target, set, target.endpoints?.sts));
    return set.sts;
  }

  config(target: AwsTarget): ConfigServiceClient {
    const set = this.clientSet(target);
    const { ConfigServiceClient } = configServiceSdk();
    set.config ??= new ConfigServiceClient(this.clientConfig(target, set, undefined));
    return set.config;
  }

  /** Organizations is global: the client talks to its partition's one region, with the target's credentials. */
  organizations(target: AwsTarget): OrganizationsClient {
    const set = this.clientSet(target);
    const { OrganizationsClient } = organizationsSdk();
    set.organizations ??= new OrganizationsClient({
      ...this.clientConfig(target, set, undefined),
      region: organizationsRegionOf(target.region),
    });
    return set.organizations;
  }

  /**
   * Confirms the credentials reach the account the target names: a role in the wrong account,
   * or a default chain pointing elsewhere, would otherwise produce a plausible but foreign snapshot.
   */
  async verifyIdentity(target: AwsTarget): Promise<{ account: string; arn: string }> {
    const { GetCallerIdentityCommand } = stsSdk();
    const identity = await this.sts(target).send(new GetCallerIdentityCommand({}));
    if (identity.Account !== target.accountId) {
      throw accountMismatch(target.accountId, identity.Account ?? null, `credentials belong to account ${identity.Account ?? 'unknown'}`);
    }
    return { account: identity.Account, arn: identity.Arn ?? '' };
  }

  /** How many distinct targets have clients cached (for metrics and tests). */
  get size(): number {
    return this.clients.size;
  }

  /** Closes every cached client's connections; later calls build fresh clients. */
  destroy(): void {
    for (const set of this.clients.values()) {
      set.ec2?.destroy();
      set.athena?.destroy();
      set.sts?.destroy();
      set.organizations?.destroy();
      set.config?.destroy();
      set.cloudWatchLogs?.destroy();
      set.s3?.destroy();
      set.serviceQuotas?.destroy();
    }
    this.clients.clear();
  }

  private clientSet(target: AwsTarget): ClientSet {
    const key = AwsClientFactory.cacheKey(target);
    let set = this.clients.get(key);
    if (!set) {
      set = { credentials: this.credentialsFor(target) };
      this.clients.set(key, set);
    }
    return set;
  }

  private static cacheKey(target: AwsTarget): string {
    return JSON.stringify([
      target.accountId,
      target.region,
      target.roleArn ?? null,
      target.externalId ?? null,
      target.endpoints?.ec2 ?? null,
      target.endpoints?.athena ?? null,
      target.endpoints?.sts ?? null,
      target.endpoints?.logs ?? null,
      target.endpoints?.s3 ?? null,
      target.endpoints?.serviceQuotas ?? null,
    ]);
  }

  /**
   * The credentials of a target's clients, checked to be the target account's before any call
   * uses them: a role's ARN must name that account (assuming it then lands there); credentials
   * of the default chain are asked whose they are (STS GetCallerIdentity, once per target). A
   * default chain pointing at another account would otherwise read a plausible, foreign
   * configuration and foreign flow logs. Credentials given in `clientConfig` (embedding, tests)
   * are used as given.
   */
  private credentialsFor(target: AwsTarget): AwsCredentialIdentityProvider | undefined {
    if (!target.roleArn) {
      if (this.options.clientConfig?.credentials) return undefined;
      const { fromNodeProviderChain } = credentialProvidersSdk();
      return verifiedAccount(
        shareCredentials(fromNodeProviderChain(), this.clock),
        (credentials) => this.callerAccount(target, credentials),
        target.accountId,
      );
    }
    const roleAccount = accountOfArn(target.roleArn);
    if (roleAccount !== null && roleAccount !== target.accountId) {
      const mismatch = accountMismatch(target.accountId, roleAccount, `role ${target.roleArn} is in account ${roleAccount}`);
      return () => Promise.reject(mismatch);
    }
    const { fromTemporaryCredentials } = credentialProvidersSdk();
    return shareCredentials(
      fromTemporaryCredentials({
        params: {
          RoleArn: target.roleArn,
          RoleSessionName: this.options.roleSessionName ?? DEFAULT_SESSION_NAME,
          DurationSeconds: this.options.roleDurationSeconds ?? DEFAULT_ROLE_DURATION_SECONDS,
          ...(target.externalId ? { ExternalId: target.externalId } : {}),
        },
        // The STS client that assumes the role uses the default chain and the target's region
        // (regional STS endpoint); it inherits the shared settings (handler, retry) as well.
        clientConfig: {
          region: target.region,
          ...this.sharedConfig(),
          ...(target.endpoints?.sts ? { endpoint: target.endpoints.sts } : {}),
        },
      }),
      this.clock,
    );
  }

  /** The account `credentials` belong to, as STS tells it (GetCallerIdentity needs no permission). */
  private async callerAccount(target: AwsTarget, credentials: AwsCredentialIdentity): Promise<string | null> {
    const { STSClient, GetCallerIdentityCommand } = stsSdk();
    const client = new STSClient({
      region: target.region,
      ...this.retryDefaults(),
      ...this.sharedConfig(),
      credentials,
      ...(target.endpoints?.sts ? { endpoint: target.endpoints.sts } : {}),
    });
    try {
      return (await client.send(new GetCallerIdentityCommand({}))).Account ?? null;
    } finally {
      client.destroy();
    }
  }

  private clientConfig(target: AwsTarget, set: ClientSet, endpoint: string | undefined) {
    return {
      region: target.region,
      ...this.retryDefaults(),
      ...this.sharedConfig(),
      ...(set.credentials ? { credentials: set.credentials } : {}),
      ...(endpoint ? { endpoint } : {}),
    };
  }

  private sharedConfig(): AwsSharedClientConfig {
    const config: AwsSharedClientConfig = {};
    for (const [key, value] of Object.entries(this.options.clientConfig ?? {})) {
      if (value !== undefined) (config as Record<string, unknown>)[key] = value;
    }
    return config;
  }

  /** Adaptive retry unless the environment (AWS_RETRY_MODE) or an explicit strategy decides. */
  private retryDefaults(): { retryMode?: string } {
    if (this.env.AWS_RETRY_MODE || this.options.clientConfig?.retryStrategy) return {};
    return { retryMode: 'adaptive' };
  }
}
