import { describe, expect, it } from 'vitest';
import type { BlockingControl } from '../../../../src/engine/evaluate/verdict';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { analyzePath } from '../../../../src/engine/path/analyze-path';
import { parsePathQuery, type PathQueryInput, type PathQueryNames } from '../../../../src/engine/path/path-query';
import type { PathQueryError } from '../../../../src/engine/path/path-query.error';
import type { PathHop } from '../../../../src/engine/path/path-result';
import { multiTierRouteTables, multiTierSnapshot } from '../../../support/factories/multi-tier-snapshot';

const plain = NetworkModel.fromSnapshot(validateSnapshot(multiTierSnapshot()));
const routed = NetworkModel.fromSnapshot(validateSnapshot({ ...multiTierSnapshot(), RouteTables: multiTierRouteTables() }));

/** `security-group egress allow`, `network-acl ingress deny SUBNET_ACL_RESTRICTION` … */
const hopLine = (h: PathHop): string => [h.hop, h.direction, h.verdict, h.explanationCode].filter(Boolean).join(' ');

const sg = (direction: 'ingress' | 'egress', ...groupIds: string[]): BlockingControl => ({
  control: 'security-group',
  direction,
  groupIds,
});
const acl = (direction: 'ingress' | 'egress', networkAclId: string, ruleNumber: number): BlockingControl => ({
  control: 'network-acl',
  direction,
  networkAclId,
  ruleNumber,
});

interface Case {
  name: string;
  from: string;
  to: string;
  protocol: string;
  port?: number;
  sourcePort?: number;
  routes?: boolean;
  verdict: 'allowed' | 'blocked' | 'unknown';
  hops: string[];
  blockedBy?: BlockingControl[];
  reply?: { verdict: 'allowed' | 'blocked' | 'unknown'; blockedBy?: BlockingControl[]; hops?: string[] };
}

const SGE = 'security-group egress';
const SGI = 'security-group ingress';
const NE = 'network-acl egress';
const NI = 'network-acl ingress';
const ROUTE_SKIPPED = 'route egress skipped';

const cases: Case[] = [
  {
    name: 'allowed: web to app on 8080, the app group references the web group and web is seen by its private IP',
    from: 'eni-web',
    to: 'eni-app',
    protocol: 'tcp',
    port: 8080,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
    reply: { verdict: 'allowed', blockedBy: [], hops: [`${NE} allow`, `${NI} allow`] },
  },
  {
    name: 'allowed by instance id: app to db on 5432 (egress to a referenced group, ingress from one)',
    from: 'i-app',
    to: 'i-db',
    protocol: 'tcp',
    port: 5432,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
  },
  {
    name: 'the destination security group blocks alone: web to db on 5432 (db admits only the app group)',
    from: 'eni-web',
    to: 'eni-db',
    protocol: 'tcp',
    port: 5432,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [sg('ingress', 'sg-db')],
    reply: { verdict: 'allowed', blockedBy: [] },
  },
  {
    name: 'the source security group blocks alone: app to an address of the peered VPC on 22',
    from: 'eni-app',
    to: '10.1.1.99',
    protocol: 'tcp',
    port: 22,
    verdict: 'blocked',
    hops: [`${SGE} deny ENI_SG_RULES_MISMATCH`, `${NE} allow`, ROUTE_SKIPPED],
    blockedBy: [sg('egress', 'sg-app')],
    reply: { verdict: 'allowed', blockedBy: [], hops: [`${NI} allow`] },
  },
  {
    name: 'the source subnet NACL blocks alone: app to the internet on 80 (outbound allows 443 only)',
    from: 'eni-app',
    to: '198.51.100.9',
    protocol: 'tcp',
    port: 80,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} deny SUBNET_ACL_RESTRICTION`, ROUTE_SKIPPED],
    blockedBy: [acl('egress', 'acl-app', 32767)],
  },
  {
    name: 'the destination subnet NACL blocks alone: web to app on 9000',
    from: 'eni-web',
    to: 'eni-app',
    protocol: 'tcp',
    port: 9000,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} deny SUBNET_ACL_RESTRICTION`, `${SGI} allow`],
    blockedBy: [acl('ingress', 'acl-app', 32767)],
  },
  {
    name: 'two controls at once, in path order: the app NACL and the app group on 7000',
    from: 'eni-web',
    to: 'eni-app',
    protocol: 'tcp',
    port: 7000,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} deny SUBNET_ACL_RESTRICTION`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [acl('ingress', 'acl-app', 32767), sg('ingress', 'sg-app')],
  },
  {
    name: 'two controls from the internet: an explicit NACL deny (rule 110) and the web group on 22',
    from: '192.0.2.5',
    to: 'eni-web',
    protocol: 'tcp',
    port: 22,
    verdict: 'blocked',
    hops: [`${NI} deny SUBNET_ACL_RESTRICTION`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [acl('ingress', 'acl-public', 110), sg('ingress', 'sg-web')],
  },
  {
    name: 'a prefix list admits the office: 198.51.100.9 to i-web on 22, reply to any client port',
    from: '198.51.100.9',
    to: 'i-web',
    protocol: 'tcp',
    port: 22,
    verdict: 'allowed',
    hops: [`${NI} allow`, `${SGI} allow`],
    blockedBy: [],
    reply: { verdict: 'allowed', blockedBy: [], hops: [`${NE} allow`] },
  },
  {
    name: 'an internet address outside the prefix list: the web group blocks alone',
    from: '203.0.113.77',
    to: 'eni-web',
    protocol: 'tcp',
    port: 22,
    verdict: 'blocked',
    hops: [`${NI} allow`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [sg('ingress', 'sg-web')],
  },
  {
    name: 'the reply is refused on part of the ephemeral range: app to the internet on 443',
    from: 'eni-app',
    to: '198.51.100.9',
    protocol: 'tcp',
    port: 443,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED],
    blockedBy: [],
    reply: { verdict: 'blocked', blockedBy: [acl('ingress', 'acl-app', 32767)], hops: [`${NI} deny SUBNET_ACL_RESTRICTION`] },
  },
  {
    name: 'the same path from a client port inside the admitted part of the range is allowed',
    from: 'eni-app',
    to: '198.51.100.9',
    protocol: 'tcp',
    port: 443,
    sourcePort: 50000,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED],
    blockedBy: [],
    reply: { verdict: 'allowed', blockedBy: [] },
  },
  {
    name: 'same subnet: the NACL (which denies 3306 from 10/8) is not evaluated between web and web2',
    from: 'eni-web',
    to: 'eni-web2',
    protocol: 'tcp',
    port: 3306,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} skipped`, ROUTE_SKIPPED, `${NI} skipped`, `${SGI} allow`],
    blockedBy: [],
    reply: { verdict: 'allowed', blockedBy: [], hops: [`${NE} skipped`, `${NI} skipped`] },
  },
  {
    name: "a group reference never matches a public IP: web to the app's public address on 8080",
    from: 'eni-web',
    to: '203.0.113.20',
    protocol: 'tcp',
    port: 8080,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [sg('ingress', 'sg-app')],
  },
  {
    name: 'IPv6: the catch-all 32768 refuses the reply of an IPv6 client on 443',
    from: '2001:db8::5',
    to: 'eni-web',
    protocol: 'tcp',
    port: 443,
    verdict: 'blocked',
    hops: [`${NI} allow`, `${SGI} allow`],
    blockedBy: [],
    reply: { verdict: 'blocked', blockedBy: [acl('egress', 'acl-public', 32768)], hops: [`${NE} deny SUBNET_ACL_RESTRICTION`] },
  },
  {
    name: 'IPv6: rule 32768 and the group block an IPv6 client on 22',
    from: '2001:db8::5',
    to: 'eni-web',
    protocol: 'tcp',
    port: 22,
    verdict: 'blocked',
    hops: [`${NI} deny SUBNET_ACL_RESTRICTION`, `${SGI} deny ENI_SG_RULES_MISMATCH`],
    blockedBy: [acl('ingress', 'acl-public', 32768), sg('ingress', 'sg-web')],
  },
  {
    name: 'ICMP echo from web to app is allowed both ways',
    from: 'eni-web',
    to: 'eni-app',
    protocol: 'icmp',
    port: 8,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
    reply: { verdict: 'allowed', blockedBy: [] },
  },
  {
    name: 'ICMP type 8 through a rule for type 8 only (FromPort 8, ToPort -1): allowed',
    from: 'eni-app',
    to: 'eni-web',
    protocol: 'icmp',
    port: 8,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
  },
  {
    name: 'ICMP type 13 through the same rule for type 8 only: refused by the source group',
    from: 'eni-app',
    to: 'eni-web',
    protocol: 'icmp',
    port: 13,
    verdict: 'blocked',
    hops: [`${SGE} deny ENI_SG_RULES_MISMATCH`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [sg('egress', 'sg-app')],
  },
  {
    name: 'ICMP without a type through a type-specific rule stays unknown',
    from: 'eni-app',
    to: 'eni-web',
    protocol: 'icmp',
    verdict: 'unknown',
    hops: [`${SGE} unknown`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
  },
  {
    name: 'peering: the app group references a group of the peered VPC on 9090',
    from: 'eni-peer',
    to: 'eni-app',
    protocol: 'tcp',
    port: 9090,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
  },
  {
    name: 'an interface missing from the snapshot makes its side unknown',
    from: 'eni-404',
    to: 'eni-app',
    protocol: 'tcp',
    port: 8080,
    verdict: 'unknown',
    hops: [`${SGE} unknown`, `${NE} unknown`, `${NI} unknown`, `${SGI} unknown`],
    blockedBy: [],
  },
  {
    name: 'route tables: the local route carries web to app',
    from: 'eni-web',
    to: 'eni-app',
    protocol: 'tcp',
    port: 8080,
    routes: true,
    verdict: 'allowed',
    hops: [`${SGE} allow`, `${NE} allow`, 'route egress allow', `${NI} allow`, `${SGI} allow`],
    blockedBy: [],
  },
  {
    name: 'route tables: no route from the db subnet to the internet',
    from: 'eni-db',
    to: '8.8.8.8',
    protocol: 'tcp',
    port: 443,
    routes: true,
    verdict: 'blocked',
    hops: [`${SGE} allow`, `${NE} allow`, 'route egress deny NO_ROUTE_TO_DESTINATION'],
    blockedBy: [],
  },
  {
    name: 'route tables: a blackhole route to the peered VPC',
    from: 'eni-db',
    to: 'eni-peer',
    protocol: 'tcp',
    port: 5432,
    routes: true,
    verdict: 'blocked',
    hops: [
      `${SGE} allow`,
      `${NE} deny SUBNET_ACL_RESTRICTION`,
      'route egress deny BAD_STATE_ROUTE',
      `${NI} allow`,
      `${SGI} deny ENI_SG_RULES_MISMATCH`,
    ],
    blockedBy: [acl('egress', 'acl-db', 32767), sg('ingress', 'sg-peer')],
  },
  {
    name: 'route tables: a virtual private gateway route (prefix list, more specific than the NAT default) is not followed',
    from: 'eni-app',
    to: '198.51.100.9',
    protocol: 'tcp',
    port: 443,
    sourcePort: 50000,
    routes: true,
    verdict: 'unknown',
    hops: [`${SGE} allow`, `${NE} allow`, 'route egress unknown'],
    blockedBy: [],
  },
];

describe('path analysis over a multi-tier snapshot', () => {
  it.each(cases)('$name', (c) => {
    const query = parsePathQuery({ from: c.from, to: c.to, protocol: c.protocol, port: c.port, sourcePort: c.sourcePort });
    const result = analyzePath(c.routes ? routed : plain, query);
    expect(result.hops.map(hopLine)).toEqual(c.hops);
    expect(result.verdict).toBe(c.verdict);
    if (c.blockedBy) expect(result.blockedBy).toEqual(c.blockedBy);
    if (c.reply) {
      expect(result.reply.verdict).toBe(c.reply.verdict);
      if (c.reply.blockedBy) expect(result.reply.blockedBy).toEqual(c.reply.blockedBy);
      if (c.reply.hops) expect(result.reply.hops.map(hopLine)).toEqual(c.reply.hops);
    }
    expect(result.reason.length).toBeGreaterThan(0);
  });

  describe('a stale group reference lets no one through, as the flow evaluator has it', () => {
    /** The multi-tier snapshot with sg-app's 9090 rule referencing sg-peer by `pair` (and `edit` applied). */
    const staleModel = (pair: Record<string, string>, edit: (s: ReturnType<typeof multiTierSnapshot>) => void) => {
      const snapshot = multiTierSnapshot();
      const app = snapshot.SecurityGroups!.find((g) => g.GroupId === 'sg-app')!;
      app.IpPermissions = app.IpPermissions!.map((p) =>
        p.FromPort === 9090 ? { ...p, UserIdGroupPairs: [{ GroupId: 'sg-peer', UserId: '111111111111', ...pair }] } : p,
      );
      edit(snapshot);
      return NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    };
    const peerToApp = (m: NetworkModel) => analyzePath(m, parsePathQuery({ from: 'eni-peer', to: 'eni-app', protocol: 'tcp', port: 9090 }));

    it('EC2 lists the rule stale: blocked by the app group, the stale rule named in the hop and the answer', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-1' }, (s) => {
        s.StaleSecurityGroupSet = [
          {
            GroupId: 'sg-app',
            StaleIpPermissions: [{ IpProtocol: 'tcp', FromPort: 9090, ToPort: 9090, UserIdGroupPairs: [{ GroupId: 'sg-peer' }] }],
          },
        ];
      });
      const result = peerToApp(m);
      expect(result.verdict).toBe('blocked');
      expect(result.blockedBy).toEqual([sg('ingress', 'sg-app')]);
      const hop = result.hops.find((h) => h.hop === 'security-group' && h.direction === 'ingress')!;
      expect(hop.reason).toContain('tcp/9090 of sg-app references sg-peer');
      expect(hop.reason).toContain('DescribeStaleSecurityGroups');
      expect(hop.reason).toContain('a stale rule allows nothing');
      expect(result.reason).toContain('a stale rule allows nothing');
    });

    it('the rule’s peering deleted, a new active one joining the VPCs: the app group’s hop unknown, with why', () => {
      const m = staleModel({ VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-old', PeeringStatus: 'deleted' }, (s) => {
        s.VpcPeeringConnections!.push({ VpcPeeringConnectionId: 'pcx-old', Status: { Code: 'deleted' } });
      });
      const result = peerToApp(m);
      expect(result.verdict).toBe('unknown');
      const hop = result.hops.find((h) => h.hop === 'security-group' && h.direction === 'ingress')!;
      expect(hop.verdict).toBe('unknown');
      expect(hop.reason).toContain('whether EC2 resolves the stale rule');
    });
  });

  it('gives the reason of a missing interface once, not once per hop it leaves unknown', () => {
    const result = analyzePath(plain, parsePathQuery({ from: 'eni-404', to: 'eni-app', protocol: 'tcp', port: 8080 }));
    expect(result.verdict).toBe('unknown');
    expect(result.reason.match(/eni-404/g), result.reason).toHaveLength(1);
  });

  it("names the refused part of the client's ephemeral range and the rules that decide each part", () => {
    const result = analyzePath(plain, parsePathQuery({ from: 'eni-app', to: '198.51.100.9', protocol: 'tcp', port: 443 }));
    expect(result.clientPorts).toEqual({ from: 32768, to: 65535 });
    expect(result.reply.hops[0].segments).toEqual([
      { from: 32768, to: 49151, ruleNumber: 32767, action: 'deny' },
      { from: 49152, to: 65535, ruleNumber: 140, action: 'allow' },
    ]);
    expect(result.reason).toContain('32768-49151 (rule 32767)');
  });

  it("checks an internet client's reply over 1024-65535 and a load balancer's too", () => {
    const internet = analyzePath(plain, parsePathQuery({ from: '198.51.100.9', to: 'eni-web', protocol: 'tcp', port: 22 }));
    expect(internet.clientPorts).toEqual({ from: 1024, to: 65535 });
    const lb = analyzePath(plain, parsePathQuery({ from: 'eni-lb', to: 'eni-db', protocol: 'tcp', port: 8080 }));
    expect(lb.clientPorts).toEqual({ from: 1024, to: 65535 });
  });

  it("checks a Lambda function's reply over 1024-65535, the ports AWS Lambda uses", () => {
    const snapshot = multiTierSnapshot();
    const app = snapshot.NetworkInterfaces!.find((n) => n.NetworkInterfaceId === 'eni-app')!;
    delete app.Attachment;
    app.Description = 'AWS Lambda VPC ENI-orders-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
    const model = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    const result = analyzePath(model, parsePathQuery({ from: 'eni-app', to: '198.51.100.9', protocol: 'tcp', port: 443 }));
    expect(result.clientPorts).toEqual({ from: 1024, to: 65535 });
  });

  it('reports the deciding rules: the matched permission and the NACL rule numbers', () => {
    const result = analyzePath(plain, parsePathQuery({ from: '198.51.100.9', to: 'eni-web', protocol: 'tcp', port: 22 }));
    expect(result.hops[0].rule).toEqual({ ruleNumber: 115, action: 'allow' });
    expect(result.hops[1].rule).toMatchObject({ groupId: 'sg-web', permission: { PrefixListIds: [{ PrefixListId: 'pl-office' }] } });
    expect(result.destination.address?.key).toBe('203.0.113.10');
  });

  it('names the route target kinds: local, peering, NAT gateway, transit gateway, internet gateway', () => {
    const target = (from: string, to: string): unknown => {
      const hop = analyzePath(routed, parsePathQuery({ from, to, protocol: 'tcp', port: 443 })).hops.find((h) => h.hop === 'route');
      return hop?.rule && 'targetType' in hop.rule ? hop.rule.targetType : null;
    };
    expect(target('eni-web', 'eni-app')).toBe('local');
    expect(target('eni-app', 'eni-peer')).toBe('peering');
    expect(target('eni-app', '8.8.8.8')).toBe('nat-gateway');
    expect(target('eni-app', '172.16.5.5')).toBe('transit-gateway');
    expect(target('eni-web', '8.8.8.8')).toBe('internet-gateway');
  });

  it('instance metadata and Amazon DNS are not filtered by any control: allowed, every hop skipped', () => {
    for (const to of ['169.254.169.254', '10.0.0.2']) {
      const result = analyzePath(
        plain,
        parsePathQuery({ from: 'eni-db', to, protocol: to === '10.0.0.2' ? 'udp' : 'tcp', port: to === '10.0.0.2' ? 53 : 80 }),
      );
      expect(result.verdict).toBe('allowed');
      expect(result.hops.every((h) => h.verdict === 'skipped')).toBe(true);
      expect(result.reason).toMatch(/not filtered by security groups or network ACLs/);
    }
  });

  it('evaluates type-specific NACL entries for the asked ICMP type, and the reply for its answer type (echo 8 -> 0, timestamp 13 -> 14)', () => {
    const snapshot = multiTierSnapshot();
    const acls = snapshot.NetworkAcls!;
    const app = acls.find((a) => a.NetworkAclId === 'acl-app')!;
    // The app subnet admits echo requests only; the public subnet admits echo replies only.
    app.Entries = app.Entries!.map((e) => (!e.Egress && e.RuleNumber === 130 ? { ...e, IcmpTypeCode: { Type: 8, Code: -1 } } : e));
    const pub = acls.find((a) => a.NetworkAclId === 'acl-public')!;
    pub.Entries = [
      ...pub.Entries!,
      { RuleNumber: 116, Protocol: '1', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0.0/8', IcmpTypeCode: { Type: 0, Code: -1 } },
      { RuleNumber: 117, Protocol: '1', RuleAction: 'deny', Egress: false, CidrBlock: '10.0.0.0/8', IcmpTypeCode: { Type: -1, Code: -1 } },
    ];
    const model = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    const echo = analyzePath(model, parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'icmp', port: 8 }));
    expect(echo.hops.map(hopLine)).toEqual([`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} allow`]);
    expect(echo.hops[3].rule).toEqual({ ruleNumber: 130, action: 'allow' });
    expect(echo.reply.hops.map(hopLine)).toEqual([`${NE} allow`, `${NI} allow`]);
    expect(echo.reply.hops[1]).toMatchObject({ traffic: 'icmp type 0', rule: { ruleNumber: 116, action: 'allow' } });
    expect(echo.verdict).toBe('allowed');
    const timestamp = analyzePath(model, parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'icmp', port: 13 }));
    expect(timestamp.hops.map(hopLine)).toEqual([
      `${SGE} allow`,
      `${NE} allow`,
      ROUTE_SKIPPED,
      `${NI} deny SUBNET_ACL_RESTRICTION`,
      `${SGI} allow`,
    ]);
    expect(timestamp.blockedBy).toEqual([acl('ingress', 'acl-app', 32767)]);
    expect(timestamp.reply.hops[1]).toMatchObject({ traffic: 'icmp type 14', verdict: 'deny', rule: { ruleNumber: 117, action: 'deny' } });
  });

  it('refuses malformed questions with the member at fault', () => {
    expect(() => parsePathQuery({ from: 'web', to: 'eni-app', protocol: 'tcp', port: 1 })).toThrow(/from must be/);
    // Octal to some parsers, decimal to others: refused rather than read one way.
    for (const address of ['010.020.030.011', '10.0.0.256', '10.0.0', 'abc', '1:2:3:4:5:6:7:8:9'])
      expect(() => parsePathQuery({ from: 'eni-app', to: address, protocol: 'tcp', port: 1 }), address).toThrow(/to is not an IP address/);
    expect(() => parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'tcp' })).toThrow(/needs a destination port/);
    expect(() => parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'bogus', port: 1 })).toThrow(/protocol must be/);
    expect(() => parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'tcp', port: 70000 })).toThrow(/port must be/);
    expect(() => parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: 'icmp', port: 300 })).toThrow(/ICMP type/);
    expect(parsePathQuery({ from: 'eni-web', to: 'eni-app', protocol: '50', port: 99 })).toMatchObject({ protocol: 50, port: null });
    expect(() => parsePathQuery({ from: '10.0.1.10', to: '2001:db8::5', protocol: 'tcp', port: 1 })).toThrow(/one IP family/);
  });

  it('names the members as the caller does: the API by its fields, the command line by its flags', () => {
    const failure = (input: PathQueryInput, names?: PathQueryNames): PathQueryError => {
      try {
        parsePathQuery(input, names);
      } catch (error) {
        return error as PathQueryError;
      }
      throw new Error('no error');
    };
    const question = { from: 'eni-web', to: 'eni-app', protocol: 'tcp', port: 22, sourcePort: -5 };
    expect(failure(question)).toMatchObject({ field: 'sourcePort', message: 'sourcePort must be an integer 1-65535, got -5' });
    const flags: PathQueryNames = { from: '--from', to: '--to', protocol: '--protocol', port: '--port', sourcePort: '--source-port' };
    expect(failure(question, flags)).toMatchObject({ field: 'sourcePort', message: '--source-port must be an integer 1-65535, got -5' });
    expect(failure({ from: '10.0.1.10', to: '2001:db8::5', protocol: 'tcp', port: 1 }, flags).message).toBe(
      '--from and --to must be addresses of one IP family, got IPv4 10.0.1.10 and IPv6 2001:db8::5',
    );
    expect(failure({ ...question, protocol: 'bogus' }, flags)).toMatchObject({
      field: 'protocol',
      message: expect.stringMatching(/^--protocol must be/),
    });
    expect(failure({ ...question, from: 'web' }, { ...flags, from: '--to' }).message).toMatch(/^--to must be an interface id/);
  });
});

describe('the route hop: which associations route, and route tables a live read was refused', () => {
  const routeHopOf = (snapshot: Record<string, unknown>, from: string, to: string) => {
    const model = NetworkModel.fromSnapshot(validateSnapshot(snapshot));
    return analyzePath(model, parsePathQuery({ from, to, protocol: 'tcp', port: 443 })).hops.find((h) => h.hop === 'route')!;
  };
  /** The app subnet's explicit association (to rtb-app, whose default route is a NAT gateway) in `state`. */
  const withAppAssociation = (state: string) => {
    const tables = multiTierRouteTables().map((table) =>
      table.RouteTableId === 'rtb-app'
        ? {
            ...table,
            Associations: [{ RouteTableAssociationId: 'rtbassoc-app', SubnetId: 'subnet-app', AssociationState: { State: state } }],
          }
        : table,
    );
    return { ...multiTierSnapshot(), RouteTables: tables };
  };

  it('an associated subnet association routes the subnet', () => {
    const hop = routeHopOf(withAppAssociation('associated'), 'eni-app', '8.8.8.8');
    expect(hop).toMatchObject({ verdict: 'allow', routeTableId: 'rtb-app', rule: { targetType: 'nat-gateway' } });
  });

  it.each(['associating', 'disassociating', 'disassociated', 'failed'])(
    'a subnet association %s is not in effect: the subnet uses the main route table',
    (state) => {
      const hop = routeHopOf(withAppAssociation(state), 'eni-app', '8.8.8.8');
      // rtb-main has the local routes only.
      expect(hop).toMatchObject({ verdict: 'deny', routeTableId: 'rtb-main', explanationCode: 'NO_ROUTE_TO_DESTINATION' });
    },
  );

  it('a main association not in effect leaves a subnet without an explicit one with no route table', () => {
    const tables = multiTierRouteTables().map((table) =>
      table.RouteTableId === 'rtb-main' ? { ...table, Associations: [{ Main: true, AssociationState: { State: 'failed' } }] } : table,
    );
    const hop = routeHopOf({ ...multiTierSnapshot(), RouteTables: tables }, 'eni-db', '8.8.8.8');
    expect(hop).toMatchObject({ verdict: 'unknown', reason: 'the snapshot has no route table for subnet-db' });
  });

  const refused = {
    Member: 'RouteTables',
    Action: 'ec2:DescribeRouteTables',
    AccountId: '111111111111',
    Region: 'eu-west-1',
    ErrorCode: 'UnauthorizedOperation',
  };

  it('without RouteTables because DescribeRouteTables was refused, the hop says so and what to grant', () => {
    const hop = routeHopOf({ ...multiTierSnapshot(), NotRead: [refused] }, 'eni-app', '8.8.8.8');
    expect(hop.verdict).toBe('skipped');
    expect(hop.reason).toBe(
      'not evaluated: ec2:DescribeRouteTables was refused (UnauthorizedOperation) in account 111111111111, eu-west-1, so the snapshot has no RouteTables; grant ec2:DescribeRouteTables to the read role (iam/ec2-config.json)',
    );
  });

  it("merged with another account's route tables, a subnet of the refused account is skipped naming the refusal, others are evaluated", () => {
    const snapshot = multiTierSnapshot();
    snapshot.Subnets = snapshot.Subnets!.map((s) => ({ ...s, OwnerId: s.VpcId === 'vpc-a' ? '111111111111' : '222222222222' }));
    const others = multiTierRouteTables().filter((t) => t.VpcId === 'vpc-b');
    const merged = { ...snapshot, RouteTables: others, NotRead: [refused] };
    const hop = routeHopOf(merged, 'eni-app', '8.8.8.8');
    expect(hop.verdict).toBe('skipped');
    expect(hop.reason).toMatch(/^not evaluated: ec2:DescribeRouteTables was refused \(UnauthorizedOperation\) in account 111111111111/);
    expect(routeHopOf(merged, 'eni-peer', 'eni-app')).toMatchObject({
      verdict: 'allow',
      routeTableId: 'rtb-b',
      rule: { targetType: 'peering' },
    });
  });

  it('a refusal recorded for another account does not excuse a subnet whose table is missing', () => {
    const snapshot = multiTierSnapshot();
    snapshot.Subnets = snapshot.Subnets!.map((s) => ({ ...s, OwnerId: '111111111111' }));
    const hop = routeHopOf({ ...snapshot, RouteTables: [], NotRead: [{ ...refused, AccountId: '999999999999' }] }, 'eni-app', '8.8.8.8');
    expect(hop).toMatchObject({ verdict: 'unknown', reason: 'the snapshot has no route table for subnet-app' });
  });

  it('refuses a NotRead entry whose words could carry anything into the output', () => {
    expect(() => validateSnapshot({ ...multiTierSnapshot(), NotRead: [{ ...refused, ErrorCode: 'Denied; rm -rf /' }] })).toThrow(
      /NotRead\[0\]\.ErrorCode/,
    );
    expect(() => validateSnapshot({ ...multiTierSnapshot(), NotRead: [{ ...refused, Action: 'DescribeRouteTables' }] })).toThrow(
      /NotRead\[0\]\.Action/,
    );
  });
});

describe('an interface whose groups the snapshot does not list', () => {
  // DescribeNetworkInterfaces always prints `Groups` (`[]` for a NAT gateway's interface); a
  // snapshot without it (hand-written, or cut by a --query) does not say the interface has none.
  const withoutGroups = (...eniIds: string[]): NetworkModel => {
    const snapshot = multiTierSnapshot();
    snapshot.NetworkInterfaces = [
      ...snapshot.NetworkInterfaces!.map((eni) => {
        if (!eniIds.includes(eni.NetworkInterfaceId!)) return eni;
        const { Groups: _groups, ...rest } = eni;
        return rest;
      }),
      // A NAT gateway's interface never carries groups: the snapshot has nothing to list.
      {
        NetworkInterfaceId: 'eni-nat',
        SubnetId: 'subnet-public',
        VpcId: 'vpc-a',
        InterfaceType: 'nat_gateway',
        PrivateIpAddress: '10.0.1.5',
      },
    ];
    return NetworkModel.fromSnapshot(validateSnapshot(snapshot));
  };
  const ask = (model: NetworkModel, from: string, to: string, port: number) =>
    analyzePath(model, parsePathQuery({ from, to, protocol: 'tcp', port }));

  it("makes the destination's security-group hop unknown, naming the missing member, not allowed", () => {
    const result = ask(withoutGroups('eni-app'), 'eni-web', 'eni-app', 8080);
    expect(result.hops.map(hopLine)).toEqual([`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} unknown`]);
    expect(result.hops[4]).toMatchObject({ interfaceId: 'eni-app', groupIds: [], rule: null, explanationCode: null });
    expect(result.hops[4].reason).toBe('the snapshot lists no Groups for eni-app, so its security groups are unknown');
    expect(result).toMatchObject({ verdict: 'unknown', blockedBy: [] });
    expect(result.reason).toContain('no Groups for eni-app');
  });

  it("is unknown rather than blocked where the listed groups would refuse: db's group on 5432", () => {
    const result = ask(withoutGroups('eni-db'), 'eni-web', 'eni-db', 5432);
    expect(result.hops.map(hopLine)).toEqual([`${SGE} allow`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} unknown`]);
    expect(result).toMatchObject({ verdict: 'unknown', blockedBy: [] });
  });

  it("makes the source's hop unknown, and a group reference to it undecided: it may carry the group", () => {
    // sg-db admits sg-app on 5432; whether eni-app carries sg-app is what the snapshot does not say.
    const result = ask(withoutGroups('eni-app'), 'eni-app', 'eni-db', 5432);
    expect(result.hops.map(hopLine)).toEqual([`${SGE} unknown`, `${NE} allow`, ROUTE_SKIPPED, `${NI} allow`, `${SGI} unknown`]);
    expect(result.hops[0].reason).toBe('the snapshot lists no Groups for eni-app, so its security groups are unknown');
    expect(result.hops[4].reason).toMatch(/no Groups for eni-app.*whether 10\.0\.2\.20 carries sg-app is unknown/);
    expect(result).toMatchObject({ verdict: 'unknown', blockedBy: [] });
  });

  it('is blocked when a NACL on the path refuses the packet whatever the groups do', () => {
    const result = ask(withoutGroups('eni-app'), 'eni-web', 'eni-app', 9000);
    expect(result.hops.map(hopLine)).toEqual([
      `${SGE} allow`,
      `${NE} allow`,
      ROUTE_SKIPPED,
      `${NI} deny SUBNET_ACL_RESTRICTION`,
      `${SGI} unknown`,
    ]);
    expect(result.verdict).toBe('blocked');
    expect(result.blockedBy).toEqual([acl('ingress', 'acl-app', 32767)]);
  });

  it("a NAT gateway's interface has no groups to list: its hop is skipped as before", () => {
    const result = ask(withoutGroups(), 'eni-web', 'eni-nat', 443);
    expect(result.hops.at(-1)).toMatchObject({ hop: 'security-group', verdict: 'skipped', reason: 'eni-nat carries no security groups' });
    expect(result.verdict).toBe('allowed');
  });
});
