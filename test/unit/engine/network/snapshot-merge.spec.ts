import { describe, expect, it } from 'vitest';

import { decodeJsonText, mergeSnapshots, parseJsonDocuments } from '../../../../src/engine/network/snapshot-loader';
import { SnapshotValidationError } from '../../../../src/engine/network/snapshot-validation.error';

const base = {
  SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [], IpPermissionsEgress: [] }],
  NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [] }],
  NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', SubnetId: 'subnet-1' }],
  Subnets: [{ SubnetId: 'subnet-1', CidrBlock: '10.0.0.0/24' }],
};

describe('merging snapshot files', () => {
  it('names every required member missing after the merge', () => {
    expect(() => mergeSnapshots([{}], { requireMembers: true })).toThrow(SnapshotValidationError);
    expect(() => mergeSnapshots([{}], { requireMembers: true })).toThrow(/missing SecurityGroups, NetworkAcls, NetworkInterfaces, Subnets/);
    const { NetworkInterfaces: _n, ...withoutEnis } = base;
    expect(() => mergeSnapshots([withoutEnis], { requireMembers: true })).toThrow(/missing NetworkInterfaces$/);
    // Members may come from different files.
    const { SecurityGroups, NetworkAcls, ...rest } = base;
    expect(mergeSnapshots([{ SecurityGroups, NetworkAcls }, rest], { requireMembers: true }).NetworkInterfaces).toHaveLength(1);
  });

  it('names unknown top-level members in a warning, and refuses them when strict', () => {
    const warnings: string[] = [];
    const merged = mergeSnapshots([{ ...base, securityGroups: [] }], { names: ['a.json'], onWarning: (w) => warnings.push(w) });
    expect(merged.SecurityGroups).toHaveLength(1);
    expect(warnings).toEqual(['a.json: unknown top-level member "securityGroups" ignored (did you mean "SecurityGroups"?)']);
    expect(() => mergeSnapshots([{ ...base, securityGroups: [] }], { names: ['a.json'], strict: true })).toThrow(
      /a.json: unknown top-level member "securityGroups"/,
    );
  });

  it('merges a resource two exports both list when identical, and names both places when they differ', () => {
    const again = { SecurityGroups: [{ GroupId: 'sg-1', IpPermissionsEgress: [], IpPermissions: [] }] };
    expect(mergeSnapshots([base, again], { names: ['a.json', 'b.json'] }).SecurityGroups).toHaveLength(1);
    const changed = {
      SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }], IpPermissionsEgress: [] }],
    };
    expect(() => mergeSnapshots([base, changed], { names: ['a.json', 'b.json'] })).toThrow(
      /SecurityGroups: sg-1 is described differently in a.json \(SecurityGroups\[0\]\) and b.json \(SecurityGroups\[0\]\)/,
    );
    expect(() =>
      mergeSnapshots([{ ...base, Subnets: [...base.Subnets, { SubnetId: 'subnet-1', CidrBlock: '10.0.1.0/24' }] }], { names: ['a.json'] }),
    ).toThrow(/subnet-1 is described differently in a.json \(Subnets\[0\]\) and a.json \(Subnets\[1\]\)/);
    expect(() =>
      mergeSnapshots(
        [{ PrefixListEntries: { 'pl-1': [{ Cidr: '10.0.0.0/8' }] } }, { PrefixListEntries: { 'pl-1': [{ Cidr: '10.1.0.0/16' }] } }],
        { names: ['a.json', 'b.json'] },
      ),
    ).toThrow(/PrefixListEntries: pl-1 is described differently in a.json and b.json/);
  });

  it('reads `aws ec2 describe-transit-gateways` and `describe-transit-gateway-vpc-attachments` output as snapshot members, each resource once', () => {
    const warnings: string[] = [];
    const gateways = {
      TransitGateways: [{ TransitGatewayId: 'tgw-1', State: 'available', Options: { SecurityGroupReferencingSupport: 'disable' } }],
    };
    const attachments = (support: 'enable' | 'disable') => ({
      TransitGatewayVpcAttachments: [
        {
          TransitGatewayAttachmentId: 'tgw-attach-1',
          TransitGatewayId: 'tgw-1',
          VpcId: 'vpc-1',
          State: 'available',
          Options: { SecurityGroupReferencingSupport: support },
        },
      ],
    });
    const merged = mergeSnapshots([gateways, attachments('enable'), gateways, attachments('enable')], {
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([]);
    expect(merged.TransitGateways).toHaveLength(1);
    expect(merged.TransitGatewayVpcAttachments).toEqual(attachments('enable').TransitGatewayVpcAttachments);
    expect(() => mergeSnapshots([attachments('enable'), attachments('disable')], { names: ['a.json', 'b.json'] })).toThrow(
      /TransitGatewayVpcAttachments: tgw-attach-1 is described differently in a.json/,
    );
  });

  it('keeps a route table two exports both list once, and refuses two that differ', () => {
    const table = (route: string) => ({
      RouteTables: [{ RouteTableId: 'rtb-1', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: route, GatewayId: 'local' }] }],
    });
    expect(mergeSnapshots([table('10.0.0.0/16'), table('10.0.0.0/16')], { names: ['a.json', 'b.json'] }).RouteTables).toHaveLength(1);
    expect(() => mergeSnapshots([table('10.0.0.0/16'), table('10.1.0.0/16')], { names: ['a.json', 'b.json'] })).toThrow(
      /RouteTables: rtb-1 is described differently in a.json \(RouteTables\[0\]\) and b.json \(RouteTables\[0\]\)/,
    );
  });
});

describe('snapshot text encodings', () => {
  const json = '{"Subnets":[{"SubnetId":"subnet-é"}]}';
  it.each([
    ['UTF-8', Buffer.from(json, 'utf8')],
    ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')])],
    ['UTF-16 LE with a byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])],
    ['UTF-16 BE with a byte-order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()])],
    ['UTF-16 LE without one', Buffer.from(json, 'utf16le')],
  ])('%s', (_name, bytes) => {
    expect(JSON.parse(decodeJsonText(bytes))).toEqual(JSON.parse(json));
  });
});

describe('JSON documents of one snapshot file', () => {
  it('reads one document, and pages of describe-… output appended one after the other (>>) as several', () => {
    expect(parseJsonDocuments(' {"Vpcs": []}\n')).toEqual([{ Vpcs: [] }]);
    const page1 = JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-1', Description: 'a } { " ] [' }], NextToken: 'x' }, null, 4);
    const page2 = JSON.stringify({ SecurityGroups: [{ GroupId: 'sg-2' }] }, null, 4);
    expect(parseJsonDocuments(`${page1}\n${page2}\n`)).toEqual([JSON.parse(page1), JSON.parse(page2)]);
    expect(parseJsonDocuments(`${page1}${page2}`)).toHaveLength(2);
    const merged = mergeSnapshots(parseJsonDocuments(`${page1}\n${page2}`));
    expect(merged.SecurityGroups?.map((g) => g.GroupId)).toEqual(['sg-1', 'sg-2']);
  });

  it('is an error, as JSON.parse gives it, when the text is not a sequence of JSON documents', () => {
    expect(() => parseJsonDocuments('')).toThrow(SyntaxError);
    expect(() => parseJsonDocuments('{"a": 1} x')).toThrow(SyntaxError);
    expect(() => parseJsonDocuments('{"a": 1} {"b": ')).toThrow(SyntaxError);
    expect(() => parseJsonDocuments('{"a": 1} {"b" 2}')).toThrow(SyntaxError);
  });
});

describe('what get-managed-prefix-list-entries prints', () => {
  it('is named in the warning with the shape that carries the prefix list id', () => {
    const warnings: string[] = [];
    mergeSnapshots([{ ...base, Entries: [{ Cidr: '10.0.0.0/8' }] }], { names: ['pl.json'], onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      'pl.json: unknown top-level member "Entries" ignored (get-managed-prefix-list-entries prints the entries without the ' +
        'prefix list id: give them as {"PrefixListEntries": {"pl-…": [{"Cidr": …}]}})',
    ]);
  });
});
