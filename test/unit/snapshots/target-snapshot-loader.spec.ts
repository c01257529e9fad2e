import {
  DescribeFlowLogsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/analyses/pipeline/failure-classifier';
import { ConfigHistoryReader } from '../../../src/aws/config-history';
import { Ec2Snapshotter } from '../../../src/aws/ec2-snapshotter';
import { OrganizationSnapshotter } from '../../../src/aws/organization-snapshotter';
import { TargetSnapshotLoader } from '../../../src/snapshots/target-snapshot.loader';
import type { DataPathResolver } from '../../../src/targets/data-path.resolver';
import type { Target, TargetScope } from '../../../src/targets/target-sources';
import * as fx from '../../support/aws/ec2-responses';
import { ruleQuotasResponse } from '../../support/aws/service-quotas-responses';

/** A loader reading EC2 through `ec2`, for targets that are neither organisations nor read from AWS Config. */
function loaderOver(ec2: Ec2Snapshotter): TargetSnapshotLoader {
  return new TargetSnapshotLoader(
    ec2,
    new OrganizationSnapshotter(ec2, {
      organizations: () => {
        throw new Error('not an organisation target');
      },
    }),
    new ConfigHistoryReader({
      config: () => {
        throw new Error('no configuration history');
      },
    }),
  );
}

/**
 * EC2 answers a Describe call whose `Filters` match nothing with an empty list, not an error (only
 * the `VpcIds`/`SubnetIds` parameters fail with `InvalidVpcID.NotFound`): a scope naming a VPC or
 * subnet the account does not have in that region reads as an empty network, unless it is checked.
 * A scope EC2 describes in part (a VPC deleted since) is read over what exists, the rest named.
 */
describe('TargetSnapshotLoader: a live target whose scope names what EC2 does not describe', () => {
  const ec2Mock = mockClient(EC2Client);
  const quotasMock = mockClient(ServiceQuotasClient);
  const client = new EC2Client({ region: 'eu-west-1' });
  const quotas = new ServiceQuotasClient({ region: 'eu-west-1' });
  const ec2 = new Ec2Snapshotter({ ec2: () => client, serviceQuotas: () => quotas });
  const loader = loaderOver(ec2);
  const paths = {} as DataPathResolver;
  const target = (scope: Partial<TargetScope>): Target =>
    ({
      id: 't-1',
      name: 'shop',
      accountId: '111122223333',
      region: 'eu-west-1',
      access: { type: 'default-chain' },
      scope: { vpcIds: [], subnetIds: [], ...scope },
      configSource: { type: 'ec2' },
    }) as unknown as Target;
  /** The values of one filter of a Describe call, as EC2 applies it (absent: no filter). */
  const valuesOf = (filters: Filter[] | undefined, name: string) => filters?.find((f) => f.Name === name)?.Values;
  const kept = (values: string[] | undefined, id: string | undefined) => !values || values.includes(id ?? '');

  beforeEach(() => {
    ec2Mock.reset();
    quotasMock.reset();
    quotasMock
      .on(GetServiceQuotaCommand)
      .callsFake(async (input: { QuotaCode?: string }) => ruleQuotasResponse(input, { region: 'eu-west-1' }));
    ec2Mock.on(DescribeSubnetsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      Subnets: (fx.subnetsPage.Subnets ?? []).filter(
        (s) => kept(valuesOf(Filters, 'vpc-id'), s.VpcId) && kept(valuesOf(Filters, 'subnet-id'), s.SubnetId),
      ),
    }));
    ec2Mock.on(DescribeVpcsCommand).callsFake(({ Filters }: { Filters?: Filter[] }) => ({
      Vpcs: (fx.vpcsPage.Vpcs ?? []).filter((v) => kept(valuesOf(Filters, 'vpc-id'), v.VpcId)),
    }));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves(fx.securityGroupPages[2]);
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
    ec2Mock.on(DescribeNetworkAclsCommand).resolves(fx.networkAclsPage);
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves(fx.networkInterfacesPage);
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    ec2Mock.on(DescribeVpcPeeringConnectionsCommand).resolves({ VpcPeeringConnections: [] });
    ec2Mock.on(DescribeFlowLogsCommand).resolves(fx.flowLogsPage);
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2Mock.on(DescribeTransitGatewaysCommand).resolves({ TransitGateways: [] });
    ec2Mock.on(DescribeTransitGatewayVpcAttachmentsCommand).resolves({ TransitGatewayVpcAttachments: [] });
    ec2Mock.on(DescribeStaleSecurityGroupsCommand).resolves({ StaleSecurityGroupSet: [] });
  });

  afterEach(() => {
    ec2Mock.reset();
    quotasMock.reset();
  });

  it('with no id of the scope described, fails naming them with the account and region, instead of analysing nothing', async () => {
    const error = await loader
      .loadWithMembers(target({ vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'], subnetIds: ['subnet-0f9e8d7c6b5a49382'] }), paths)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'AWS.INVALID_CONFIGURATION',
      details: {
        accountIds: ['111122223333'],
        regions: ['eu-west-1'],
        vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'],
        subnetIds: ['subnet-0f9e8d7c6b5a49382'],
      },
    });
    expect((error as Error).message).toBe(
      "the target's scope names vpc-0e1f2a3b4c5d6e7f8, subnet-0f9e8d7c6b5a49382, which EC2 does not describe in account 111122223333, eu-west-1: check the ids and the target's region, or take them out of the scope",
    );
    expect(classifyFailure(error)).toMatchObject({ code: 'AWS.INVALID_CONFIGURATION', permanent: true });
  });

  it('a scope of subnets none of which the account has fails too: the snapshot would hold no VPC-scoped resource at all', async () => {
    await expect(loader.loadWithMembers(target({ subnetIds: ['subnet-0f9e8d7c6b5a49382'] }), paths)).rejects.toMatchObject({
      code: 'AWS.INVALID_CONFIGURATION',
      details: { vpcIds: [], subnetIds: ['subnet-0f9e8d7c6b5a49382'] },
    });
  });

  it('a scope EC2 describes in full is read as before', async () => {
    const loaded = await loader.loadWithMembers(target({ vpcIds: ['vpc-0abc'], subnetIds: ['subnet-0a'] }), paths);
    const { snapshot } = loaded;
    expect(snapshot.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-0abc']);
    expect(snapshot.Subnets?.map((s) => s.SubnetId)).toEqual(['subnet-0a']);
    expect(loaded).not.toHaveProperty('scopeNotDescribed');
  });

  it('with some ids of the scope described, reads what exists and names the VPCs and subnets EC2 no longer describes', async () => {
    const loaded = await loader.loadWithMembers(
      target({ vpcIds: ['vpc-0abc', 'vpc-0e1f2a3b4c5d6e7f8'], subnetIds: ['subnet-0a', 'subnet-0f9e8d7c6b5a49382'] }),
      paths,
    );
    expect(loaded.snapshot.Vpcs?.map((v) => v.VpcId)).toEqual(['vpc-0abc']);
    expect(loaded.snapshot.Subnets?.map((s) => s.SubnetId)).toEqual(['subnet-0a']);
    expect(loaded.scopeNotDescribed).toEqual({ vpcIds: ['vpc-0e1f2a3b4c5d6e7f8'], subnetIds: ['subnet-0f9e8d7c6b5a49382'] });
  });
});

describe('TargetSnapshotLoader: a snapshot-file target', () => {
  it('reads null for an optional member (boto3 and Terraform exports) as the member absent, and refuses it for a required one', async () => {
    const ec2 = new Ec2Snapshotter({
      ec2: () => {
        throw new Error('no EC2 for a snapshot-file target');
      },
      serviceQuotas: () => {
        throw new Error('no Service Quotas for a snapshot-file target');
      },
    });
    const loader = loaderOver(ec2);
    const file = (groupId: string | null) => ({
      SecurityGroups: [{ GroupId: groupId, IpPermissions: [], IpPermissionsEgress: [], Tags: null }],
      NetworkAcls: [
        {
          NetworkAclId: 'acl-1',
          Entries: [
            {
              RuleNumber: 100,
              Protocol: '6',
              RuleAction: 'allow',
              Egress: false,
              CidrBlock: '10.0.0.0/8',
              Ipv6CidrBlock: null,
              PortRange: null,
            },
          ],
        },
      ],
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', SubnetId: 'subnet-1', Association: null, Groups: [{ GroupId: 'sg-1' }] }],
      Subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.0.0/24', Ipv6CidrBlockAssociationSet: null }],
    });
    let stored = file('sg-1');
    const paths = { readStored: async () => Buffer.from(JSON.stringify(stored)) } as unknown as DataPathResolver;
    const target = { id: 't-1', configSource: { type: 'snapshot-file', paths: ['snapshot.json'] } } as unknown as Target;
    const snapshot = await loader.load(target, paths);
    expect(snapshot.NetworkAcls?.[0]?.Entries?.[0]).toStrictEqual({
      RuleNumber: 100,
      Protocol: '6',
      RuleAction: 'allow',
      Egress: false,
      CidrBlock: '10.0.0.0/8',
    });
    expect(snapshot.SecurityGroups?.[0]).not.toHaveProperty('Tags');
    stored = file(null);
    await expect(loader.load(target, paths)).rejects.toThrow('SecurityGroups[0].GroupId');
  });
});
