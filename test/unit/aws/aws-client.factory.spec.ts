import { StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { AwsAdapterError } from '../../../src/aws/aws-adapter.error';
import { AwsClientFactory } from '../../../src/aws/aws-client.factory';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { FakeHttpHandler, type FakeResponse } from '../../support/aws/fake-http-handler';
import { isGetServiceQuota, ruleQuotaWire, ruleQuotasWire, serviceQuotasErrorWire } from '../../support/aws/service-quotas-responses';

const target = { accountId: '111122223333', region: 'eu-west-1' };
const staticCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const json = (status: number, body: unknown): FakeResponse => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/x-amz-json-1.1' },
});
const ec2Error = (code: string): FakeResponse => ({
  status: 503,
  body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>6d5f0e1a-aaaa-bbbb-cccc-0123456789ab</RequestID></Response>`,
});
const describeVpcsXml: FakeResponse = {
  status: 200,
  body: '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><vpcSet><item><vpcId>vpc-0abc</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item></vpcSet></DescribeVpcsResponse>',
};
/** Short retry delays: the retry path is the SDK's, only the waiting is shortened. */
const quickRetries = () => new ConfiguredRetryStrategy(4, 1);

describe('AwsClientFactory', () => {
  it('builds each client once per target and reuses it', () => {
    const factory = new AwsClientFactory({ env: {} });
    expect(factory.ec2(target)).toBe(factory.ec2({ ...target }));
    expect(factory.athena(target)).toBe(factory.athena(target));
    expect(factory.ec2(target)).not.toBe(factory.ec2({ ...target, region: 'us-east-1' }));
    expect(factory.ec2(target)).not.toBe(factory.ec2({ ...target, roleArn: 'arn:aws:iam::111122223333:role/sgdoctor' }));
    expect(factory.size).toBe(3);
    factory.destroy();
    expect(factory.size).toBe(0);
  });

  it('defaults to adaptive retry, but leaves AWS_RETRY_MODE from the environment to the SDK', async () => {
    const adaptive = new AwsClientFactory({ env: {} }).ec2(target);
    expect(await adaptive.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    const previous = process.env.AWS_RETRY_MODE;
    process.env.AWS_RETRY_MODE = 'standard';
    try {
      const standard = new AwsClientFactory().ec2(target);
      expect(await standard.config.retryStrategy()).toMatchObject({ mode: 'standard' });
    } finally {
      if (previous === undefined) delete process.env.AWS_RETRY_MODE;
      else process.env.AWS_RETRY_MODE = previous;
    }
  });

  it('passes no endpoint of its own: AWS_ENDPOINT_URL_EC2 from the environment is honoured', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://localhost:4566';
    try {
      const handler = new FakeHttpHandler(() => describeVpcsXml);
      const client = new AwsClientFactory({ clientConfig: { requestHandler: handler, credentials: staticCredentials } }).ec2(target);
      await client.send(new DescribeVpcsCommand({}));
      expect(handler.requests[0].hostname).toBe('localhost');
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = previous;
    }
  });

  it('uses a target’s own endpoint when it names one', async () => {
    const handler = new FakeHttpHandler(() => describeVpcsXml);
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    await factory
      .ec2({ ...target, endpoints: { ec2: 'https://vpce-0abc.ec2.eu-west-1.vpce.amazonaws.com' } })
      .send(new DescribeVpcsCommand({}));
    expect(handler.requests[0].hostname).toBe('vpce-0abc.ec2.eu-west-1.vpce.amazonaws.com');
    const quotas = new FakeHttpHandler(() => ruleQuotaWire(60, { region: 'eu-west-1' }));
    await new AwsClientFactory({ env: {}, clientConfig: { requestHandler: quotas, credentials: staticCredentials } })
      .serviceQuotas({ ...target, endpoints: { serviceQuotas: 'https://vpce-0def.servicequotas.eu-west-1.vpce.amazonaws.com' } })
      .send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' }));
    expect(quotas.requests[0].hostname).toBe('vpce-0def.servicequotas.eu-west-1.vpce.amazonaws.com');
  });

  it('EC2 RequestLimitExceeded is retried by the SDK retry strategy until it succeeds', async () => {
    const handler = new FakeHttpHandler((request, i) =>
      isGetServiceQuota(request)
        ? ruleQuotasWire(request, { region: 'eu-west-1' })
        : i < 2
          ? ec2Error('RequestLimitExceeded')
          : describeVpcsXml,
    );
    const factory = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: quickRetries() },
    });
    const snapshot = await new Ec2Snapshotter(factory).snapshot({ ...target });
    expect(snapshot.Vpcs).toEqual([{ VpcId: 'vpc-0abc', CidrBlock: '10.0.0.0/16', IsDefault: false }]);
    const vpcCalls = handler.requests.filter((r) => r.body.includes('Action=DescribeVpcs'));
    expect(vpcCalls.length).toBeGreaterThanOrEqual(1);
    expect(handler.requests.slice(0, 3).every((r) => r.body.includes('Action=DescribeSubnets'))).toBe(true);
  });

  it('gives up after maxAttempts throttled EC2 calls with the SDK’s error', async () => {
    const handler = new FakeHttpHandler(() => ec2Error('RequestLimitExceeded'));
    const client = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: quickRetries() },
    }).ec2(target);
    await expect(client.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503, attempts: 4 },
    });
    expect(handler.requests).toHaveLength(4);
  });

  it.each(['ThrottlingException', 'TooManyRequestsException'])('Athena %s is retried by the SDK', async (code) => {
    const handler = new FakeHttpHandler((_, i) =>
      i < 2 ? json(400, { __type: code, message: 'Rate exceeded' }) : json(200, { QueryExecutionId: 'q-1' }),
    );
    const client = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: quickRetries() },
    }).athena(target);
    const out = await client.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', ClientRequestToken: 'x'.repeat(32) }));
    expect(out.QueryExecutionId).toBe('q-1');
    expect(out.$metadata.attempts).toBe(3);
    // Every attempt carries the same idempotency token: a retried call never starts a second query.
    expect(new Set(handler.requests.map((r) => JSON.parse(r.body).ClientRequestToken)).size).toBe(1);
  });

  it('builds the Service Quotas client as EC2’s: once per target, in its region, with adaptive retry', async () => {
    const factory = new AwsClientFactory({ env: {} });
    const client = factory.serviceQuotas(target);
    expect(client).toBe(factory.serviceQuotas({ ...target }));
    expect(client).not.toBe(factory.serviceQuotas({ ...target, region: 'us-east-1' }));
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    factory.destroy();
  });

  it('passes no Service Quotas endpoint of its own: AWS_ENDPOINT_URL_SERVICE_QUOTAS from the environment is honoured', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS;
    process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS = 'http://localhost:4566';
    try {
      const handler = new FakeHttpHandler(() => ruleQuotaWire(60, { region: 'eu-west-1' }));
      const client = new AwsClientFactory({ clientConfig: { requestHandler: handler, credentials: staticCredentials } }).serviceQuotas(
        target,
      );
      await client.send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' }));
      expect(handler.requests[0].hostname).toBe('localhost');
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS;
      else process.env.AWS_ENDPOINT_URL_SERVICE_QUOTAS = previous;
    }
  });

  it('Service Quotas TooManyRequestsException is retried by the SDK until it succeeds', async () => {
    const handler = new FakeHttpHandler((_, i) =>
      i < 2 ? serviceQuotasErrorWire(400, 'TooManyRequestsException', 'Rate exceeded') : ruleQuotaWire(200, { region: 'eu-west-1' }),
    );
    const client = new AwsClientFactory({
      env: {},
      clientConfig: { requestHandler: handler, credentials: staticCredentials, retryStrategy: quickRetries() },
    }).serviceQuotas(target);
    const out = await client.send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' }));
    expect(out.Quota?.Value).toBe(200);
    expect(out.$metadata.attempts).toBe(3);
  });

  it('assumes the target role through STS once, with external id and session name, and reuses the credentials', async () => {
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const handler = new FakeHttpHandler((request) => {
      if (request.body.includes('Action=AssumeRole')) {
        return {
          status: 200,
          body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/sgdoctor/sgdoctor-test</Arn><AssumedRoleId>AROA:sgdoctor-test</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        };
      }
      if (request.body.includes('Action=GetCallerIdentity')) {
        return {
          status: 200,
          body: '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::111122223333:assumed-role/sgdoctor/sgdoctor-test</Arn><UserId>AROA:sgdoctor-test</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
        };
      }
      if (isGetServiceQuota(request)) return ruleQuotaWire(60, { region: 'eu-west-1' });
      return describeVpcsXml;
    });
    const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBASE';
    process.env.AWS_SECRET_ACCESS_KEY = 'base-secret';
    try {
      const factory = new AwsClientFactory({ env: {}, roleSessionName: 'sgdoctor-test', clientConfig: { requestHandler: handler } });
      const roleTarget = { ...target, roleArn: 'arn:aws:iam::111122223333:role/sgdoctor', externalId: 'ext-123' };
      await factory.ec2(roleTarget).send(new DescribeVpcsCommand({}));
      await factory.ec2(roleTarget).send(new DescribeVpcsCommand({}));
      // Service Quotas is asked with the same assumed credentials, without assuming the role again.
      await factory.serviceQuotas(roleTarget).send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0EA8095F' }));
      expect(handler.requests.filter(isGetServiceQuota)[0].headers.authorization).toContain('Credential=ASIAASSUMED/');
      expect(await factory.verifyIdentity(roleTarget)).toEqual({
        account: '111122223333',
        arn: 'arn:aws:sts::111122223333:assumed-role/sgdoctor/sgdoctor-test',
      });

      const assume = handler.requests.filter((r) => r.body.includes('Action=AssumeRole'));
      expect(assume).toHaveLength(1);
      const params = new URLSearchParams(assume[0].body);
      expect(params.get('RoleArn')).toBe('arn:aws:iam::111122223333:role/sgdoctor');
      expect(params.get('ExternalId')).toBe('ext-123');
      expect(params.get('RoleSessionName')).toBe('sgdoctor-test');
      expect(assume[0].headers.authorization).toContain('Credential=AKIDBASE/');
      const ec2Calls = handler.requests.filter((r) => r.body.includes('Action=DescribeVpcs'));
      expect(ec2Calls.every((r) => r.headers.authorization.includes('Credential=ASIAASSUMED/'))).toBe(true);
    } finally {
      for (const [key, value] of [
        ['AWS_ACCESS_KEY_ID', previous.id],
        ['AWS_SECRET_ACCESS_KEY', previous.secret],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('a role whose trust policy refuses the caller (STS AccessDenied) fails the read at once, naming sts:AssumeRole, for good', async () => {
    const handler = new FakeHttpHandler((request) =>
      request.body.includes('Action=AssumeRole')
        ? {
            status: 403,
            body: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/ops is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/sgdoctor</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>',
          }
        : describeVpcsXml,
    );
    const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBASE';
    process.env.AWS_SECRET_ACCESS_KEY = 'base-secret';
    try {
      const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, retryStrategy: quickRetries() } });
      const roleTarget = { ...target, roleArn: 'arn:aws:iam::111122223333:role/sgdoctor', externalId: 'ext-123' };
      const error = await new Ec2Snapshotter(factory).snapshot(roleTarget).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403, attempts: 1 } });
      expect((error as Error).message).toMatch(
        /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/sgdoctor$/,
      );
      // Neither STS nor EC2 is asked again, and EC2 is never asked with credentials it would refuse.
      expect(handler.requests.map((r) => new URLSearchParams(r.body).get('Action'))).toEqual(['AssumeRole']);
      expect(classifyFailure(error)).toMatchObject({ code: 'AWS.AccessDenied', permanent: true });
    } finally {
      for (const [key, value] of [
        ['AWS_ACCESS_KEY_ID', previous.id],
        ['AWS_SECRET_ACCESS_KEY', previous.secret],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('verifyIdentity refuses credentials of another account', async () => {
    const handler = new FakeHttpHandler(() => ({
      status: 200,
      body: '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::999999999999:user/x</Arn><UserId>AID</UserId><Account>999999999999</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
    }));
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, credentials: staticCredentials } });
    const error = await factory.verifyIdentity(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAdapterError);
    expect(error).toMatchObject({ code: 'AWS.ACCOUNT_MISMATCH', details: { expected: '111122223333', actual: '999999999999' } });
  });
});

describe("AwsClientFactory: the credentials are the target account's before any call uses them", () => {
  const callerIdentity = (account: string): FakeResponse => ({
    status: 200,
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/ops</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  });
  /** The default chain reads these keys (AWS_ACCESS_KEY_ID …) from the environment while `run` runs. */
  async function withEnvironmentCredentials<T>(run: () => Promise<T>): Promise<T> {
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
    const previous = keys.map((key) => [key, process.env[key]] as const);
    process.env.AWS_ACCESS_KEY_ID = 'AKIDCHAIN';
    process.env.AWS_SECRET_ACCESS_KEY = 'chain-secret';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      return await run();
    } finally {
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }
  const actions = (handler: FakeHttpHandler) => handler.requests.map((r) => new URLSearchParams(r.body).get('Action'));

  it("the default chain's credentials of another account fail every call, naming both accounts, before EC2 is asked anything", async () => {
    const handler = new FakeHttpHandler((request) =>
      request.body.includes('Action=GetCallerIdentity') ? callerIdentity('999999999999') : describeVpcsXml,
    );
    await withEnvironmentCredentials(async () => {
      const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, retryStrategy: quickRetries() } });
      const error = await factory
        .ec2(target)
        .send(new DescribeVpcsCommand({}))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsAdapterError);
      expect(error).toMatchObject({ code: 'AWS.ACCOUNT_MISMATCH', details: { expected: '111122223333', actual: '999999999999' } });
      expect((error as Error).message).toBe('credentials belong to account 999999999999, target is 111122223333');
      expect(actions(handler)).toEqual(['GetCallerIdentity']);
      // The snapshot fails with it too, naming the accounts.
      const snapshot = await new Ec2Snapshotter(factory).snapshot(target).catch((e: unknown) => e);
      expect(String((snapshot as Error).message)).toMatch(/credentials belong to account 999999999999, target is 111122223333/);
      expect(actions(handler).every((action) => action === 'GetCallerIdentity')).toBe(true);
    });
  });

  it("the target account's credentials are asked about once, whatever the clients and calls", async () => {
    const handler = new FakeHttpHandler((request) =>
      request.body.includes('Action=GetCallerIdentity') ? callerIdentity('111122223333') : describeVpcsXml,
    );
    await withEnvironmentCredentials(async () => {
      const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, retryStrategy: quickRetries() } });
      await Promise.all([factory.ec2(target).send(new DescribeVpcsCommand({})), factory.ec2(target).send(new DescribeVpcsCommand({}))]);
      await factory.ec2(target).send(new DescribeVpcsCommand({}));
      expect(actions(handler)).toEqual(['GetCallerIdentity', 'DescribeVpcs', 'DescribeVpcs', 'DescribeVpcs']);
      const signed = handler.requests.filter((r) => r.body.includes('Action=DescribeVpcs'));
      expect(signed.every((r) => r.headers.authorization.includes('Credential=AKIDCHAIN/'))).toBe(true);
    });
  });

  it('a role in another account than the target fails every call without assuming it', async () => {
    const handler = new FakeHttpHandler(() => describeVpcsXml);
    const factory = new AwsClientFactory({ env: {}, clientConfig: { requestHandler: handler, retryStrategy: quickRetries() } });
    const error = await factory
      .ec2({ ...target, roleArn: 'arn:aws:iam::999999999999:role/sgdoctor' })
      .send(new DescribeVpcsCommand({}))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AWS.ACCOUNT_MISMATCH', details: { expected: '111122223333', actual: '999999999999' } });
    expect((error as Error).message).toBe(
      'role arn:aws:iam::999999999999:role/sgdoctor is in account 999999999999, target is 111122223333',
    );
    expect(handler.requests).toEqual([]);
  });
});
