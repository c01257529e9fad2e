import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { diagnose } from '../../../../src/engine/diagnose/diagnose';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import type { AuthorizeSecurityGroupParams, NetworkAclEntryParams } from '../../../../src/engine/fixes/fix-params';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

/**
 * A VPC with two subnets (client and server), a server ENI and 1–4 client ENIs. The server's SG
 * opens some other port; its subnet's NACL either allows everything or allows only other ports
 * before a deny. Clients call the server on `port`: a legitimate flow that the SG or the NACL
 * blocks.
 */
function scenario(
  port: number,
  clients: number,
  naclBlocks: boolean,
  sgBlocks: boolean,
  denyRule: number,
): { snapshot: NetworkSnapshot; flows: FlowAggregate[] } {
  const allowAll = (egress: boolean) => ({
    RuleNumber: 100,
    Protocol: '-1',
    RuleAction: 'allow' as const,
    Egress: egress,
    CidrBlock: '0.0.0.0/0',
  });
  const catchAll = (egress: boolean) => ({
    RuleNumber: 32767,
    Protocol: '-1',
    RuleAction: 'deny' as const,
    Egress: egress,
    CidrBlock: '0.0.0.0/0',
  });
  const serverIngress = naclBlocks
    ? [
        {
          RuleNumber: 50,
          Protocol: '6',
          RuleAction: 'allow' as const,
          Egress: false,
          CidrBlock: '10.0.0.0/8',
          PortRange: { From: 22, To: 22 },
        },
        {
          RuleNumber: denyRule,
          Protocol: '6',
          RuleAction: 'deny' as const,
          Egress: false,
          CidrBlock: '10.0.0.0/16',
          PortRange: { From: 1, To: 65535 },
        },
        allowAll(false),
        catchAll(false),
      ].sort((a, b) => a.RuleNumber - b.RuleNumber)
    : [allowAll(false), catchAll(false)];
  const snapshot: NetworkSnapshot = {
    Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', OwnerId: '111122223333' }],
    Subnets: [
      { SubnetId: 'subnet-client', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24' },
      { SubnetId: 'subnet-server', VpcId: 'vpc-1', CidrBlock: '10.0.2.0/24' },
    ],
    SecurityGroups: [
      {
        GroupId: 'sg-server',
        GroupName: 'server',
        VpcId: 'vpc-1',
        OwnerId: '111122223333',
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
          ...(sgBlocks ? [] : [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }]),
        ],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
      {
        GroupId: 'sg-client',
        GroupName: 'client',
        VpcId: 'vpc-1',
        OwnerId: '111122223333',
        IpPermissions: [],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ],
    NetworkAcls: [
      {
        NetworkAclId: 'acl-client',
        VpcId: 'vpc-1',
        Associations: [{ SubnetId: 'subnet-client' }],
        Entries: [allowAll(false), catchAll(false), allowAll(true), catchAll(true)],
      },
      {
        NetworkAclId: 'acl-server',
        VpcId: 'vpc-1',
        Associations: [{ SubnetId: 'subnet-server' }],
        Entries: [...serverIngress, allowAll(true), catchAll(true)],
      },
    ],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: 'eni-server',
        SubnetId: 'subnet-server',
        VpcId: 'vpc-1',
        PrivateIpAddress: '10.0.2.10',
        Attachment: { InstanceId: 'i-server' },
        Groups: [{ GroupId: 'sg-server' }],
      },
      ...Array.from({ length: clients }, (_, i) => ({
        NetworkInterfaceId: `eni-client${i}`,
        SubnetId: 'subnet-client',
        VpcId: 'vpc-1',
        PrivateIpAddress: `10.0.1.${20 + i}`,
        Attachment: { InstanceId: `i-client${i}` },
        Groups: [{ GroupId: 'sg-client' }],
      })),
    ],
  };
  const flows: FlowAggregate[] = Array.from({ length: clients }, (_, i) =>
    flowAggregate({
      interfaceId: 'eni-server',
      accountId: '111122223333',
      srcaddr: `10.0.1.${20 + i}`,
      dstaddr: '10.0.2.10',
      srcport: 40000 + i,
      dstport: port,
      servicePortSide: 'dst',
      ephemeralPortMin: 40000 + i,
      ephemeralPortMax: 40000 + i,
      records: 6,
      packets: 18,
      bytes: 1000,
      firstSeen: 1700000000,
      lastSeen: 1700003600,
    }),
  );
  return { snapshot, flows };
}

function openedCidrs(params: Record<string, unknown>): string[] {
  const sg = params as unknown as Partial<AuthorizeSecurityGroupParams>;
  const acl = params as unknown as Partial<NetworkAclEntryParams>;
  return [
    ...(sg.IpPermissions ?? []).flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => r.CidrIp),
      ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ]),
    ...(acl.CidrBlock ? [acl.CidrBlock] : []),
    ...(acl.Ipv6CidrBlock ? [acl.Ipv6CidrBlock] : []),
  ];
}

describe('suggested fixes for random misconfigurations', () => {
  it('are verified, open exactly the blocked port and never the world to internal peers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1024, max: 9999 }).filter((p) => p !== 22),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<[boolean, boolean]>([true, false], [false, true], [true, true]),
        fc.integer({ min: 51, max: 99 }),
        (port, clients, [naclBlocks, sgBlocks], denyRule) => {
          const { snapshot, flows } = scenario(port, clients, naclBlocks, sgBlocks, denyRule);
          const { findings } = diagnose(snapshot, flows);
          expect(findings).toHaveLength(1);
          const [finding] = findings;
          expect(finding.classification).toBe('likely-misconfiguration');
          const fix = finding.suggestedFix;
          expect(fix).not.toBeNull();
          expect(fix?.verified).toBe(true);
          for (const change of fix?.changes ?? []) {
            for (const cidr of openedCidrs(change.params)) expect(cidr).not.toMatch(/\/0$/);
            const sg = change.params as unknown as Partial<AuthorizeSecurityGroupParams>;
            for (const p of sg.IpPermissions ?? []) expect([p.FromPort, p.ToPort]).toEqual([port, port]);
            const acl = change.params as unknown as Partial<NetworkAclEntryParams>;
            if (acl.RuleNumber !== undefined) {
              expect(acl.PortRange).toEqual({ From: port, To: port });
              expect(acl.RuleNumber).toBeLessThan(denyRule);
            }
            if (sg.IpPermissions) expect(sg.IpPermissions[0].UserIdGroupPairs?.[0].GroupId).toBe('sg-client');
          }
          expect(fix?.changes.map((c) => c.action).sort()).toEqual(
            [...(naclBlocks ? ['CreateNetworkAclEntry'] : []), ...(sgBlocks ? ['AuthorizeSecurityGroupIngress'] : [])].sort(),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
