import { describe, expect, it } from 'vitest';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { referenceEvaluateSecurityGroups } from '../../../../src/engine/evaluate/reference-evaluator';
import { evaluateSecurityGroups, portOpenToAnyPeer } from '../../../../src/engine/evaluate/security-group-evaluator';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { type RulePeer, compilePermissions } from '../../../../src/engine/network/security-group-rules';
import type { NetworkSnapshot, UserIdGroupPair } from '../../../../src/engine/network/snapshot';
import { mergeSnapshots } from '../../../../src/engine/network/snapshot-loader';
import { StaleReferences } from '../../../../src/engine/network/stale-references';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

const PARTNER = '444455556666';
const pair = (extra: Partial<UserIdGroupPair> = {}): UserIdGroupPair => ({
  GroupId: 'sg-client',
  UserId: PARTNER,
  VpcId: 'vpc-client',
  VpcPeeringConnectionId: 'pcx-1',
  ...extra,
});
const peering = (code: string) => ({
  VpcPeeringConnectionId: 'pcx-1',
  Status: { Code: code },
  RequesterVpcInfo: { VpcId: 'vpc-main', CidrBlock: '10.0.0.0/16' },
  AccepterVpcInfo: { VpcId: 'vpc-client', OwnerId: PARTNER, CidrBlock: '10.5.0.0/16' },
});

describe('StaleReferences', () => {
  it.each<[string, NetworkSnapshot, Partial<UserIdGroupPair>, boolean]>([
    ['the pair says deleted, the connection not listed', {}, { PeeringStatus: 'deleted' }, true],
    ['the connection listed deleted, the pair silent', { VpcPeeringConnections: [peering('deleted')] }, {}, true],
    ['listed rejected', { VpcPeeringConnections: [peering('rejected')] }, {}, true],
    ['listed failed', { VpcPeeringConnections: [peering('failed')] }, {}, true],
    ['listed expired', { VpcPeeringConnections: [peering('expired')] }, {}, true],
    ['both say deleted', { VpcPeeringConnections: [peering('deleted')] }, { PeeringStatus: 'deleted' }, true],
    [
      'the pair says deleted, the listing active: they disagree, not known',
      { VpcPeeringConnections: [peering('active')] },
      { PeeringStatus: 'deleted' },
      false,
    ],
    [
      'the listing deleted, the pair active: not known',
      { VpcPeeringConnections: [peering('deleted')] },
      { PeeringStatus: 'active' },
      false,
    ],
    ['deleting is on its way, not there', { VpcPeeringConnections: [peering('deleting')] }, { PeeringStatus: 'deleting' }, false],
    ['pending-acceptance', { VpcPeeringConnections: [peering('pending-acceptance')] }, {}, false],
    ['active', { VpcPeeringConnections: [peering('active')] }, { PeeringStatus: 'active' }, false],
    ['nothing said about the connection', {}, {}, false],
    [
      'a reference within the VPC (no connection) to a group the snapshot lacks',
      {},
      { VpcPeeringConnectionId: undefined, VpcId: 'vpc-main' },
      false,
    ],
  ])('%s', (_name, snapshot, extra, stale) => {
    const found = new StaleReferences(snapshot).of('sg-db', 'ingress', pair(extra));
    expect(found !== null).toBe(stale);
    if (found) {
      expect(found.reportedByEc2).toBe(false);
      expect(found.reason).toMatch(
        /^references sg-client of account 444455556666 in vpc-client across peering connection pcx-1, which is \w+/,
      );
    }
  });

  it('a rule DescribeStaleSecurityGroups lists is stale by its group, direction and referenced group, whatever the peering says', () => {
    const refs = new StaleReferences({
      VpcPeeringConnections: [peering('active')],
      StaleSecurityGroupSet: [
        {
          GroupId: 'sg-db',
          VpcId: 'vpc-main',
          StaleIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [pair({ PeeringStatus: 'active' })] }],
          StaleIpPermissionsEgress: [],
        },
      ],
    });
    const found = refs.of('sg-db', 'ingress', pair({ PeeringStatus: 'active' }));
    expect(found).toMatchObject({ reportedByEc2: true });
    expect(found!.reason).toContain('DescribeStaleSecurityGroups');
    expect(refs.of('sg-db', 'egress', pair())).toBeNull();
    expect(refs.of('sg-app', 'ingress', pair())).toBeNull();
    expect(refs.of('sg-db', 'ingress', pair({ GroupId: 'sg-other' }))).toBeNull();
    expect(refs.reportedStale('sg-db', 'ingress', 'sg-client')).toBe(true);
    expect(refs.reportedStale('sg-db', 'egress', 'sg-client')).toBe(false);
  });
});

describe('compilePermissions: group references and staleness', () => {
  const groupPeers = (stale?: Parameters<typeof compilePermissions>[3]) =>
    compilePermissions(
      'sg-db',
      'ingress',
      [
        { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [pair({ PeeringStatus: 'deleted' }), { GroupId: 'sg-app' }] },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
      ],
      stale,
    ).map((rule) => rule.peer);

  it('without a lookup no reference is stale, PeeringStatus or not', () => {
    const peers = groupPeers().filter((p): p is Extract<RulePeer, { kind: 'group' }> => p.kind === 'group');
    expect(peers.map((p) => [p.groupId, p.stale])).toEqual([
      ['sg-client', null],
      ['sg-app', null],
    ]);
  });

  it('each pair asks the lookup with its rule’s group and direction; only group peers carry staleness', () => {
    const asked: string[] = [];
    const refs = new StaleReferences({});
    const peers = groupPeers((groupId, direction, p) => {
      asked.push(`${groupId} ${direction} ${p.GroupId}`);
      return refs.of(groupId, direction, p);
    });
    expect(asked).toEqual(['sg-db ingress sg-client', 'sg-db ingress sg-app']);
    expect(peers.map((p) => (p.kind === 'group' ? [p.groupId, p.stale?.reportedByEc2 ?? null] : [p.kind]))).toEqual([
      ['sg-client', false],
      ['sg-app', null],
      ['cidr'],
    ]);
  });

  it('the model compiles DescribeSecurityGroupRules entries with their peering too (ReferencedGroupInfo)', () => {
    const model = NetworkModel.fromSnapshot({
      VpcPeeringConnections: [peering('deleted')],
      SecurityGroupRules: [
        {
          SecurityGroupRuleId: 'sgr-0a1',
          GroupId: 'sg-db',
          IsEgress: false,
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          ReferencedGroupInfo: { GroupId: 'sg-client', UserId: PARTNER, VpcPeeringConnectionId: 'pcx-1' },
        },
      ],
    });
    const [rule] = model.allGroupRules('sg-db');
    expect(rule.peer).toMatchObject({ kind: 'group', groupId: 'sg-client', stale: { reportedByEc2: false } });
  });
});

/** The database in vpc-main; a client VPC of another account, which the snapshot does not describe, across pcx-1. */
function world(extra: Partial<NetworkSnapshot>, ingress: UserIdGroupPair): NetworkSnapshot {
  return mergeSnapshots([
    {
      Vpcs: [{ VpcId: 'vpc-main', CidrBlock: '10.0.0.0/16', OwnerId: '111122223333' }],
      Subnets: [{ SubnetId: 'subnet-data', VpcId: 'vpc-main', CidrBlock: '10.0.3.0/24' }],
      NetworkAcls: [],
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-db1',
          SubnetId: 'subnet-data',
          VpcId: 'vpc-main',
          OwnerId: '111122223333',
          PrivateIpAddress: '10.0.3.10',
          Groups: [{ GroupId: 'sg-db' }],
        },
      ],
      SecurityGroups: [
        {
          GroupId: 'sg-db',
          VpcId: 'vpc-main',
          OwnerId: '111122223333',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [ingress] }],
          IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
      ],
      ...extra,
    },
  ]);
}

describe('evaluating a stale reference', () => {
  const ask = (snapshot: NetworkSnapshot, peer = '10.5.1.10', port = 5432) => {
    const model = NetworkModel.fromSnapshot(snapshot);
    return {
      indexed: evaluateSecurityGroups(model, ['sg-db'], 'ingress', 6, port, peer, { vpcId: 'vpc-main' }),
      reference: referenceEvaluateSecurityGroups(snapshot, ['sg-db'], 'ingress', 6, port, peer, 'vpc-main'),
      model,
    };
  };

  it('before: a live reference to a group the snapshot lacks is undecided for a private peer', () => {
    const { indexed, reference } = ask(world({ VpcPeeringConnections: [peering('active')] }, pair({ PeeringStatus: 'active' })));
    expect(indexed.allowed).toBe('uncertain');
    expect(reference).toBe('uncertain');
  });

  it('across a deleted peering it matches nothing: refused, the stale rule named; the reference evaluator agrees', () => {
    const { indexed, reference } = ask(world({ VpcPeeringConnections: [peering('deleted')] }, pair({ PeeringStatus: 'deleted' })));
    expect(indexed).toEqual({
      allowed: false,
      staleRules: [
        {
          groupId: 'sg-db',
          direction: 'ingress',
          ruleId: null,
          permission: { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [pair({ PeeringStatus: 'deleted' })] },
          reason:
            'rule tcp/5432 of sg-db references sg-client of account 444455556666 in vpc-client across peering connection pcx-1, which is deleted',
        },
      ],
    });
    expect(reference).toBe('deny');
  });

  it('an internet peer or another port: refused without naming the stale rule', () => {
    const snapshot = world({ VpcPeeringConnections: [peering('deleted')] }, pair());
    expect(ask(snapshot, '198.51.100.7').indexed).toEqual({ allowed: false });
    expect(ask(snapshot, '10.5.1.10', 5433).indexed).toEqual({ allowed: false });
  });

  it('a stale reference opens the port to no one', () => {
    const live = NetworkModel.fromSnapshot(world({ VpcPeeringConnections: [peering('active')] }, pair()));
    const stale = NetworkModel.fromSnapshot(world({ VpcPeeringConnections: [peering('deleted')] }, pair()));
    expect(portOpenToAnyPeer(live, ['sg-db'], 'ingress', 6, 5432)).toBe(true);
    expect(portOpenToAnyPeer(stale, ['sg-db'], 'ingress', 6, 5432)).toBe(false);
  });

  it('explain: blocked by the group, the reason naming the stale rule and the deleted connection', () => {
    const model = NetworkModel.fromSnapshot(world({ VpcPeeringConnections: [peering('deleted')] }, pair()));
    const verdict = explainFlow(
      model,
      flowAggregate({ interfaceId: 'eni-db1', srcaddr: '10.5.1.10', dstaddr: '10.0.3.10', srcport: 45000, dstport: 5432, protocol: 6 }),
    );
    expect(verdict).toMatchObject({
      verdict: 'blocked',
      blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: ['sg-db'] }],
    });
    expect(verdict.reason).toContain('no rule of sg-db allows tcp/5432 from 10.5.1.10');
    expect(verdict.reason).toContain('across peering connection pcx-1, which is deleted: a stale rule allows nothing');
  });

  it('the snapshot contract takes describe-stale-security-groups output as it is printed', () => {
    const snapshot = mergeSnapshots([
      {
        StaleSecurityGroupSet: [
          {
            VpcId: 'vpc-main',
            StaleIpPermissionsEgress: [
              {
                ToPort: 22,
                FromPort: 22,
                UserIdGroupPairs: [{ VpcId: 'vpc-client', GroupId: 'sg-client', VpcPeeringConnectionId: 'pcx-1', PeeringStatus: 'active' }],
                IpProtocol: 'tcp',
                IpRanges: [],
                PrefixListIds: [],
              },
            ],
            GroupName: 'db',
            StaleIpPermissions: [],
            GroupId: 'sg-db',
            Description: 'db',
          },
        ],
        NextToken: '',
      },
    ]);
    expect(snapshot.StaleSecurityGroupSet?.[0]?.GroupId).toBe('sg-db');
    expect(() => mergeSnapshots([{ StaleSecurityGroupSet: [{ GroupId: 'db' }] }])).toThrow(/StaleSecurityGroupSet\[0\]\.GroupId/);
  });
});
