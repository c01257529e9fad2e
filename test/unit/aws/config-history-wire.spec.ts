import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { ConfigHistoryReader } from '../../../src/aws/config-history';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';
import { FakeHttpHandler, type FakeResponse } from '../../support/aws/fake-http-handler';

/**
 * The configuration history through a real ConfigServiceClient, answered with the JSON 1.1 AWS
 * Config sends: its refusals and its throttling name no resource, account or region.
 */
const target = { accountId: '111122223333', region: 'eu-west-1' };
const WINDOW = { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') };
const snapshot: NetworkSnapshot = {
  SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f60001', VpcId: 'vpc-0a1b2c3d' }],
  NetworkAcls: [],
  NetworkInterfaces: [],
  Subnets: [],
  Vpcs: [],
};
const json = (body: unknown, status = 200): FakeResponse => ({
  status,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'c0ffee00-0000-4000-8000-EXAMPLE00001' },
  body: JSON.stringify(body),
});
const operationOf = (headers: Record<string, string>) => (headers['x-amz-target'] ?? '').replace('StarlingDoveService.', '');

function reader(handler: FakeHttpHandler): ConfigHistoryReader {
  const client = new ConfigServiceClient({
    region: target.region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: handler,
    retryStrategy: new ConfiguredRetryStrategy(2, 1),
  });
  return new ConfigHistoryReader({ config: () => client });
}

describe('ConfigHistoryReader over the AWS Config wire protocol', () => {
  it('a refused GetResourceConfigHistory names the call, the resource, the account and the region', async () => {
    const handler = new FakeHttpHandler((request) =>
      operationOf(request.headers) === 'ListDiscoveredResources'
        ? json({ resourceIdentifiers: [] })
        : json(
            {
              __type: 'AccessDeniedException',
              message:
                'User: arn:aws:sts::111122223333:assumed-role/sgdoctor-read/sgdoctor is not authorized to perform: config:GetResourceConfigHistory',
            },
            400,
          ),
    );
    const failure = await reader(handler)
      .read(target, snapshot, WINDOW)
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'AccessDeniedException', $fault: 'client' });
    expect((failure as Error).message).toBe(
      'config:GetResourceConfigHistory on sg-0a1b2c3d4e5f60001 (account 111122223333, eu-west-1): User: arn:aws:sts::111122223333:assumed-role/sgdoctor-read/sgdoctor is not authorized to perform: config:GetResourceConfigHistory',
    );
  });

  it('ListDiscoveredResources throttled past the retries names the call, the account and the region', async () => {
    const handler = new FakeHttpHandler(() => json({ __type: 'ThrottlingException', message: 'Rate exceeded' }, 400));
    const failure = await reader(handler)
      .read(target, snapshot, WINDOW)
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 2 } });
    expect((failure as Error).message).toBe('config:ListDiscoveredResources (account 111122223333, eu-west-1): Rate exceeded');
  });

  it('a resource Config never recorded (ResourceNotDiscoveredException) is no failure', async () => {
    const handler = new FakeHttpHandler((request) =>
      operationOf(request.headers) === 'ListDiscoveredResources'
        ? json({ resourceIdentifiers: [] })
        : json(
            {
              __type: 'ResourceNotDiscoveredException',
              message: 'Resource sg-0a1b2c3d4e5f60001 of resourceType:AWS::EC2::SecurityGroup is unknown or has not been discovered',
            },
            400,
          ),
    );
    await expect(reader(handler).read(target, snapshot, WINDOW)).resolves.toMatchObject({ notRecorded: ['sg-0a1b2c3d4e5f60001'] });
  });
});
