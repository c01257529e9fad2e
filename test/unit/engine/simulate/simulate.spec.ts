import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { applyChanges } from '../../../../src/engine/simulate/apply-changes';
import { simulate } from '../../../../src/engine/simulate/simulate';
import { SimulationError } from '../../../../src/engine/simulate/simulation.error';
import { flowAggregate } from '../../../support/factories/flow-aggregate';

const snapshot = validateSnapshot(JSON.parse(readFileSync(join(__dirname, '../evaluate/fixtures/contract-snapshot.json'), 'utf8')));

const rejected: FlowAggregate = flowAggregate({
  interfaceId: 'eni-0web0000000000001',
  accountId: '444455556666',
  srcaddr: '10.1.0.9',
  dstaddr: '10.1.0.5',
  srcport: 41000,
  dstport: 8080,
  servicePortSide: 'dst',
  ephemeralPortMin: 41000,
  ephemeralPortMax: 41000,
  packets: 3,
  bytes: 180,
  firstSeen: 1700000000,
  lastSeen: 1700000060,
});

describe('simulate on the contract example', () => {
  it('a reference to the worker group opens exactly tcp/8080 from it', () => {
    const changes = [
      {
        action: 'AuthorizeSecurityGroupIngress' as const,
        params: {
          GroupId: 'sg-0web000000000000a',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: 'sg-0wrk000000000000b' }] }],
        },
      },
    ];
    const result = simulate(snapshot, changes, [rejected]);
    expect(result.nowAllowed).toEqual([rejected]);
    expect(result.changed).toHaveLength(1);
    expect(result.changed[0].before.verdict).toBe('blocked');
    expect(result.changed[0].after).toEqual({ verdict: 'allowed', direction: 'ingress', returnTraffic: false, blockedBy: [] });
    expect(result.newlyReachable).toEqual([
      {
        groupId: 'sg-0web000000000000a',
        interfaceIds: ['eni-0web0000000000001'],
        peer: 'sg-0wrk000000000000b',
        peerKind: 'security-group',
        protocol: 'tcp',
        ports: { from: 8080, to: 8080 },
        direction: 'ingress',
        includesInternet: false,
      },
    ]);
    // The input snapshot is untouched.
    expect(snapshot.SecurityGroups![0].IpPermissions).toHaveLength(1);
  });

  it('names the ICMP type a rule opens, and none for a rule of every type', () => {
    const echo = {
      action: 'AuthorizeSecurityGroupIngress' as const,
      params: {
        GroupId: 'sg-0web000000000000a',
        IpPermissions: [
          { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '10.1.0.0/24' }] },
          { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '10.1.1.0/24' }] },
        ],
      },
    };
    const echoReply = {
      action: 'CreateNetworkAclEntry' as const,
      params: {
        NetworkAclId: 'acl-0example00000001',
        RuleNumber: 42,
        Protocol: '1',
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '10.1.0.0/24',
        IcmpTypeCode: { Code: -1, Type: 0 },
      },
    };
    const reach = simulate(snapshot, [echo, echoReply], []).newlyReachable;
    expect(reach.map((r) => [r.groupId ?? r.networkAclId, r.peer, r.protocol, r.icmpType])).toEqual([
      ['sg-0web000000000000a', '10.1.0.0/24', 'icmp', 8],
      ['sg-0web000000000000a', '10.1.1.0/24', 'icmp', undefined],
      ['acl-0example00000001', '10.1.0.0/24', 'icmp', 0],
    ]);
    expect('icmpType' in reach[1]).toBe(false);
  });

  it('refuses a NACL entry on a taken rule number, like EC2', () => {
    const change = {
      action: 'CreateNetworkAclEntry' as const,
      params: {
        NetworkAclId: 'acl-0example00000001',
        RuleNumber: 100,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '10.0.0.0/8',
        PortRange: { From: 1, To: 2 },
      },
    };
    expect(() => applyChanges(snapshot, [change])).toThrow(SimulationError);
    expect(() => applyChanges(snapshot, [change])).toThrow(/already has ingress rule 100/);
  });
});
