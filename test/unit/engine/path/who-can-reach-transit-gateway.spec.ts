import { describe, expect, it } from 'vitest';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import type { NetworkAclEntry, NetworkSnapshot } from '../../../../src/engine/network/snapshot';
import { explainPath } from '../../../../src/engine/path/suggest-path-fix';
import { parsePathQuery } from '../../../../src/engine/path/path-query';
import { type ReachingSource, whoCanReach } from '../../../../src/engine/path/who-can-reach';
import { local, transitGatewaySnapshot } from '../../../support/factories/transit-gateway-snapshot';

/*
 * why --who for an inbound rule that references a group of a VPC reached through a transit gateway
 * (Transit Gateways Guide, "Security group referencing"): the interfaces carrying the group there
 * are sources exactly when the reference matches (see referenceThroughTransitGateway), unknown
 * when the snapshot cannot tell, and absent when it does not match. Over transitGatewaySnapshot:
 * sg-db (eni-c1 10.2.1.50 in subnet-c, eni-c2 10.2.2.50 in subnet-c2, vpc-c) admits 5432 from
 * sg-app (eni-a1 10.0.1.10, vpc-a); vpc-c's main table sends vpc-a to tgw-1 (enabled everywhere),
 * subnet-c2's table to tgw-2 (disabled on the gateway).
 */

type Edit = (s: NetworkSnapshot) => void;

function snapshotOf(edits: Edit[] = []): NetworkSnapshot {
  const s = transitGatewaySnapshot();
  for (const edit of edits) edit(s);
  return s;
}
const who = (snapshot: NetworkSnapshot, to = 'eni-c1'): ReachingSource => {
  const sources = whoCanReach(NetworkModel.fromSnapshot(snapshot), { to, protocol: 6, port: 5432 }).sources;
  expect(sources).toHaveLength(1);
  return sources[0];
};
const why = (snapshot: NetworkSnapshot, from = 'eni-a1', to = 'eni-c1') =>
  explainPath(NetworkModel.fromSnapshot(snapshot), parsePathQuery({ from, to, protocol: 'tcp', port: 5432 }));

const setGateway: (id: string, fields: object) => Edit = (id, fields) => (s) =>
  Object.assign(
    s.TransitGateways!.find((g) => g.TransitGatewayId === id)!,
    fields,
  );
const setAttachment: (id: string, fields: object) => Edit = (id, fields) => (s) =>
  Object.assign(
    s.TransitGatewayVpcAttachments!.find((a) => a.TransitGatewayAttachmentId === id)!,
    fields,
  );
const dropAttachment: (id: string) => Edit = (id) => (s) => {
  s.TransitGatewayVpcAttachments = s.TransitGatewayVpcAttachments!.filter((a) => a.TransitGatewayAttachmentId !== id);
};
const disable = { Options: { SecurityGroupReferencingSupport: 'disable' } };
const setAcl: (id: string, entries: NetworkAclEntry[]) => Edit = (id, entries) => (s) => {
  s.NetworkAcls!.find((a) => a.NetworkAclId === id)!.Entries = entries;
};

const acl = (inbound: NetworkAclEntry[], outbound: NetworkAclEntry[]): NetworkAclEntry[] => [
  ...inbound.map((e) => ({ ...e, Egress: false })),
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
  ...outbound.map((e) => ({ ...e, Egress: true })),
  { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
];
const allow = (CidrBlock: string, RuleNumber = 100): NetworkAclEntry => ({
  RuleNumber,
  Protocol: '-1',
  RuleAction: 'allow',
  Egress: false,
  CidrBlock,
});
const open = () => acl([allow('0.0.0.0/0')], [allow('0.0.0.0/0')]);

/** Today's reason when the snapshot does not hold the settings (referenceThroughTransitGateway's). */
const NOT_SHOWN =
  '10.0.1.10 carries sg-app in vpc-a, which vpc-c reaches through transit gateway tgw-1: the reference matches there only when ' +
  'security group referencing is enabled on the transit gateway and on both VPC attachments, which the snapshot does not show';

describe('why --who: a group referenced across a transit gateway', () => {
  it('referencing enabled on the gateway and both attachments: the interfaces carrying the group there are sources', () => {
    const source = who(snapshotOf());
    expect(source).toMatchObject({ kind: 'security-group', peer: 'sg-app', groupId: 'sg-db', verdict: 'allowed' });
    expect(source.blocks).toEqual([expect.objectContaining({ cidr: '10.0.1.10/32', interfaceId: 'eni-a1' })]);
    expect(source.blocks[0].nacl.verdict).toBe('allow');
    expect(why(snapshotOf()).verdict).toBe('allowed');
  });

  it.each<[string, Edit[], string?]>([
    ['disabled on the gateway (its default)', [setGateway('tgw-1', disable)]],
    ["disabled on the destination VPC's attachment", [setAttachment('tgw-attach-c1', disable)]],
    ["disabled on the source VPC's attachment", [setAttachment('tgw-attach-a1', disable)]],
    ['the source VPC has no attachment to the gateway', [dropAttachment('tgw-attach-a1')]],
    ['the attachment is still pending acceptance', [setAttachment('tgw-attach-a1', { State: 'pendingAcceptance' })]],
    ['the gateway is being deleted', [setGateway('tgw-1', { State: 'deleting' })]],
    [
      "the destination subnet's table routes the source VPC nowhere",
      [(s) => (s.RouteTables!.find((t) => t.RouteTableId === 'rtb-c-main')!.Routes = [local('10.2.0.0/16')])],
    ],
    ["subnet-c2's own table sends vpc-a to tgw-2, where referencing is disabled", [], 'eni-c2'],
  ])('no match (%s): no source, as before', (_name, edits, to = 'eni-c1') => {
    const source = who(snapshotOf(edits), to);
    expect(source.blocks).toEqual([]);
    expect(source.verdict).toBe('refused');
    expect(source.reason).toBe('no interface in reach carries sg-app');
  });

  it('subnet-c2 through tgw-2 once referencing is enabled there: listed', () => {
    const source = who(snapshotOf([setGateway('tgw-2', { Options: { SecurityGroupReferencingSupport: 'enable' } })]), 'eni-c2');
    expect(source.blocks.map((b) => b.interfaceId)).toEqual(['eni-a1']);
    expect(source.verdict).toBe('allowed');
  });

  it('settings the snapshot does not hold: listed as unknown, with the reason the reference logic gives', () => {
    const source = who(
      snapshotOf([
        (s) => {
          delete s.TransitGateways;
          delete s.TransitGatewayVpcAttachments;
        },
      ]),
    );
    expect(source.blocks.map((b) => b.interfaceId)).toEqual(['eni-a1']);
    expect(source.blocks[0].nacl.verdict).toBe('unknown');
    expect(source.blocks[0].nacl.reason).toBe(NOT_SHOWN);
    expect(source.verdict).toBe('unknown');
    expect(source.reason).toBe(NOT_SHOWN);
  });

  it('an undecided reference that the destination subnet NACL refuses anyway: refused, as why says', () => {
    const edits: Edit[] = [(s) => delete s.TransitGateways, setAcl('acl-c', acl([allow('10.2.0.0/16')], [allow('0.0.0.0/0')]))];
    const source = who(snapshotOf(edits));
    expect(source.blocks[0].nacl).toMatchObject({ verdict: 'deny', networkAclId: 'acl-c' });
    expect(source.verdict).toBe('refused');
    expect(why(snapshotOf(edits)).verdict).toBe('blocked');
  });

  it("the destination subnet's NACL judges the source coming in through the gateway", () => {
    const edits = [setAcl('acl-c', acl([allow('10.2.0.0/16')], [allow('0.0.0.0/0')]))];
    const source = who(snapshotOf(edits));
    expect(source.blocks[0].nacl).toMatchObject({ verdict: 'deny', networkAclId: 'acl-c' });
    expect(source.verdict).toBe('refused');
  });

  it('peered and same-VPC members are listed as before, beside those across the gateway', () => {
    const s = snapshotOf();
    s.NetworkInterfaces!.push({
      NetworkInterfaceId: 'eni-c3',
      SubnetId: 'subnet-c2',
      VpcId: 'vpc-c',
      InterfaceType: 'interface',
      PrivateIpAddress: '10.2.2.60',
      Groups: [{ GroupId: 'sg-app' }],
    });
    expect(who(s).blocks.map((b) => b.interfaceId)).toEqual(['eni-a1', 'eni-c3']);
  });
});

/*
 * With the attachments in subnets of their own (subnet-a-tgw 10.0.9.0/28 with acl-a-tgw,
 * subnet-c-tgw 10.2.9.0/28 with acl-c-tgw, all in use1-az1), the source crosses the NACLs why puts
 * on its path: acl-a-tgw inbound by its own address, acl-c-tgw outbound by the destination's.
 */
describe('why --who: sources across a transit gateway meet the attachment subnets’ NACLs', () => {
  function attachedApart(aTgw: NetworkAclEntry[] = open(), cTgw: NetworkAclEntry[] = open()): NetworkSnapshot {
    const s = transitGatewaySnapshot();
    const subnet = (SubnetId: string, VpcId: string, CidrBlock: string, NetworkAclId: string, Entries: NetworkAclEntry[]) => {
      s.Subnets!.push({ SubnetId, VpcId, OwnerId: '111111111111', CidrBlock });
      s.NetworkAcls!.push({ NetworkAclId, VpcId, IsDefault: false, Associations: [{ SubnetId, NetworkAclId }], Entries });
    };
    subnet('subnet-a-tgw', 'vpc-a', '10.0.9.0/28', 'acl-a-tgw', aTgw);
    subnet('subnet-c-tgw', 'vpc-c', '10.2.9.0/28', 'acl-c-tgw', cTgw);
    for (const sub of s.Subnets!) sub.AvailabilityZoneId = 'use1-az1';
    setAttachment('tgw-attach-a1', { SubnetIds: ['subnet-a-tgw'] })(s);
    setAttachment('tgw-attach-c1', { SubnetIds: ['subnet-c-tgw'] })(s);
    return s;
  }

  it('both open: allowed, as why says', () => {
    expect(who(attachedApart()).verdict).toBe('allowed');
    expect(why(attachedApart()).verdict).toBe('allowed');
  });

  it("the source attachment subnet's inbound rules refuse the sender: refused there", () => {
    const s = attachedApart(acl([allow('10.2.0.0/16')], [allow('0.0.0.0/0')]));
    const source = who(s);
    expect(source.blocks[0].nacl).toMatchObject({ verdict: 'deny', networkAclId: 'acl-a-tgw' });
    expect(source.blocks[0].nacl.reason).toContain('subnet-a-tgw');
    expect(source.verdict).toBe('refused');
    expect(why(s).blockedBy).toEqual([expect.objectContaining({ control: 'network-acl', networkAclId: 'acl-a-tgw' })]);
  });

  it("the destination attachment subnet's outbound rules refuse the destination: refused there", () => {
    const s = attachedApart(open(), acl([allow('0.0.0.0/0')], [allow('10.0.0.0/16')]));
    const source = who(s);
    expect(source.blocks[0].nacl).toMatchObject({ verdict: 'deny', networkAclId: 'acl-c-tgw' });
    expect(source.verdict).toBe('refused');
    expect(why(s).verdict).toBe('blocked');
  });

  it('an attachment with no subnet in the source’s zone: unknown, with why’s reason', () => {
    const s = attachedApart();
    s.Subnets!.find((x) => x.SubnetId === 'subnet-a-tgw')!.AvailabilityZoneId = 'use1-az2';
    const source = who(s);
    expect(source.blocks[0].nacl.verdict).toBe('unknown');
    expect(source.blocks[0].nacl.reason).toContain('no subnet in use1-az1');
    expect(source.verdict).toBe('unknown');
  });
});
