import {
  ConfigServiceClient,
  type ConfigurationItem,
  GetResourceConfigHistoryCommand,
  type GetResourceConfigHistoryCommandInput,
  ListDiscoveredResourcesCommand,
  ResourceNotDiscoveredException,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigHistoryReader } from '../../../src/aws/config-history';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';

const meta = (requestId: string) => ({ $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } });
const WINDOW = { from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') };
const GROUP = 'sg-0a1b2c3d4e5f60001';

/** A security group's configuration as AWS Config records it: camelCase, IPv4 ranges twice (objects and legacy strings). */
const groupConfiguration = (port: number) =>
  JSON.stringify({
    description: 'web tier',
    groupName: 'web',
    ipPermissions: [
      {
        fromPort: port,
        ipProtocol: 'tcp',
        ipv6Ranges: [],
        prefixListIds: [],
        toPort: port,
        userIdGroupPairs: [{ groupId: 'sg-0a1b2c3d4e5f60002', userId: '111122223333' }],
        ipv4Ranges: [{ cidrIp: '203.0.113.0/24', description: 'office' }],
        ipRanges: ['203.0.113.0/24'],
      },
    ],
    ownerId: '111122223333',
    groupId: GROUP,
    ipPermissionsEgress: [
      {
        ipProtocol: '-1',
        ipv6Ranges: [],
        prefixListIds: [],
        userIdGroupPairs: [],
        ipv4Ranges: [{ cidrIp: '0.0.0.0/0' }],
        ipRanges: ['0.0.0.0/0'],
      },
    ],
    tags: [],
    vpcId: 'vpc-0abc',
  });

const item = (capturedAt: string, stateId: string, port: number): ConfigurationItem => ({
  version: '1.3',
  accountId: '111122223333',
  configurationItemCaptureTime: new Date(capturedAt),
  configurationItemStatus: 'OK',
  configurationStateId: stateId,
  configurationItemMD5Hash: '',
  arn: `arn:aws:ec2:eu-west-1:111122223333:security-group/${GROUP}`,
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: GROUP,
  resourceName: 'web',
  awsRegion: 'eu-west-1',
  availabilityZone: 'Not Applicable',
  tags: {},
  relatedEvents: [],
  relationships: [],
  configuration: groupConfiguration(port),
  supplementaryConfiguration: {},
});

const current: NetworkSnapshot = { SecurityGroups: [{ GroupId: GROUP, VpcId: 'vpc-0abc' }] };

describe('ConfigHistoryReader', () => {
  const config = mockClient(ConfigServiceClient);
  const reader = new ConfigHistoryReader({ config: () => new ConfigServiceClient({ region: 'eu-west-1' }) });
  const target = { accountId: '111122223333', region: 'eu-west-1' };

  beforeEach(() => {
    config.reset();
    config.on(ListDiscoveredResourcesCommand).resolves({ ...meta('list-1'), resourceIdentifiers: [] });
  });
  afterEach(() => config.reset());

  it('reads the item in force at the start and every change after it, page by page, in the snapshot’s shape', async () => {
    const windowPages = [
      { ...meta('h-1'), configurationItems: [item('2024-04-20T08:00:00Z', '1713600000000', 443)], nextToken: 'history-2' },
      { ...meta('h-2'), configurationItems: [item('2024-05-01T12:00:00Z', '1714564800000', 8443)] },
    ];
    let windowCalls = 0;
    config.on(GetResourceConfigHistoryCommand).callsFake((input: GetResourceConfigHistoryCommandInput) => {
      if (input.limit === 1) return { ...meta('before'), configurationItems: [item('2024-04-20T08:00:00Z', '1713600000000', 443)] };
      return windowPages[windowCalls++];
    });
    const history = await reader.read(target, current, WINDOW);
    expect(history.notRecorded).toEqual([]);
    const versions = history.histories[0].versions;
    expect(versions.map((v) => v.capturedAt.toISOString())).toEqual(['2024-04-20T08:00:00.000Z', '2024-05-01T12:00:00.000Z']);
    expect(versions[0].configuration).toMatchObject({
      GroupId: GROUP,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'office' }],
          UserIdGroupPairs: [{ GroupId: 'sg-0a1b2c3d4e5f60002', UserId: '111122223333' }],
        },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
  });

  it('a resource Config never recorded is named, not an error', async () => {
    config.on(GetResourceConfigHistoryCommand).rejects(
      new ResourceNotDiscoveredException({
        message: `Resource ${GROUP} of resourceType:AWS::EC2::SecurityGroup is unknown or has not been discovered`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    expect(await reader.read(target, current, WINDOW)).toEqual({ histories: [], deletedInterfaces: [], notRecorded: [GROUP] });
  });

  it('fails naming the call when a nextToken comes back a second time, instead of reading the history forever', async () => {
    let calls = 0;
    config.on(GetResourceConfigHistoryCommand).callsFake((input: GetResourceConfigHistoryCommandInput) => {
      if (input.limit === 1) return { ...meta('before'), configurationItems: [] };
      calls += 1;
      if (calls > 10) throw new Error('the same page was asked for again and again');
      return { ...meta(`h-${calls}`), configurationItems: [], nextToken: 'history-2' };
    });
    await expect(reader.read(target, current, WINDOW)).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'config:GetResourceConfigHistory', page: 2 },
    });
    expect(calls).toBe(2);

    let lists = 0;
    config.on(ListDiscoveredResourcesCommand).callsFake(() => {
      lists += 1;
      if (lists > 10) throw new Error('the same page was asked for again and again');
      return { ...meta(`list-${lists}`), resourceIdentifiers: [], nextToken: 'discovered-2' };
    });
    await expect(reader.read(target, current, WINDOW)).rejects.toMatchObject({
      code: 'AWS.UNEXPECTED_RESPONSE',
      details: { operation: 'config:ListDiscoveredResources', page: 2 },
    });
    expect(lists).toBe(2);
  });
});
