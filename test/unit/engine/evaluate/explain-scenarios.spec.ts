import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainJsonLine } from '../../../../src/cli/explain-line';
import { loadSnapshot } from '../../../../src/cli/load-snapshot';
import { type ExplainContext, explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import type { BlockingControl } from '../../../../src/engine/evaluate/verdict';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { recordToFlow } from '../../../../src/engine/flow-log/flow-aggregator';
import type { FlowRecord } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { isTrafficRecord, readFlowRecords } from '../../../../src/flow-files/flow-file-reader';
import {
  ACCOUNT,
  type FlowFile,
  OPEN,
  ScenarioNetwork,
  T0,
  V5_FIELDS,
  V8_FIELDS,
  all,
  allow,
  allowIcmp,
  bpa,
  deny,
  flowFileText,
  naclIn,
  naclOut,
  perm,
  sgIn,
  sgOut,
  tcp,
  udp,
} from '../../../support/factories/scenario-network';

/*
 * Labelled scenarios for `sgdoctor explain`, each a minimal snapshot (EC2 API shapes) and a few
 * flow-log lines, with the verdict AWS's documented behaviour implies. The expectations come from:
 *  - Security group rules (VPC User Guide, security-group-rules): allow-only, stateful, the rules
 *    of every group of a resource aggregated; protocol by name or number, -1 all; a referenced
 *    group admits the private IP addresses of the resources that carry it, never public or
 *    Elastic IPs; references across an active peering; prefix lists by their entries.
 *  - Network ACL rules (nacl-rules): stateless, rules in ascending number, first match wins,
 *    catch-all deny `*` (32767 IPv4, 32768 IPv6 in DescribeNetworkAcls); -1 or a protocol other
 *    than 6/17/1 ignores ports; ephemeral ports (Linux 32768-60999, Windows 49152-65535, ELB and
 *    NAT gateway 1024-65535); a NACL filters traffic entering and leaving a subnet, not traffic
 *    inside it.
 *  - Flow log records (flow-log-records, flow-logs-records-examples): v2 default fields, custom
 *    formats in any order with a header line in S3, `-` for no value, NODATA/SKIPDATA lines,
 *    tcp-flags FIN 1, SYN 2, RST 4, SYN-ACK 18, ports 0 for ICMP (no type/code recorded),
 *    flow-direction, pkt-srcaddr/pkt-dstaddr, reject-reason BPA (v8) for VPC Block Public Access.
 *  - Flow log limitations: traffic to the Amazon DNS server / Route 53 Resolver and instance
 *    metadata is not logged, and neither SGs nor NACLs can block Route 53 Resolver DNS.
 *  - Connection tracking (EC2 User Guide): responses to allowed traffic pass the SG whatever its
 *    rules; a packet that arrives after the connection closed (late FIN/RST) can be REJECTed.
 * The pipeline is the CLI's (`runExplain`): the flow file is read, every record indexed for
 * return-traffic evidence, then each OK record explained and rendered as its NDJSON line.
 */

const OTHER_ACCOUNT = '999988887777';

// ---------------------------------------------------------------- the world of the scenarios

/**
 * VPC vpc-a 10.0.0.0/16 (+ 2600:1f18:aa00:a000::/56): subnet-pub 10.0.0.0/24, subnet-app
 * 10.0.1.0/24, subnet-db 10.0.2.0/24; VPC vpc-b 10.1.0.0/16 (subnet-b 10.1.3.0/24) peered with it
 * (pcx-ab, same account). Every subnet starts on its VPC's open default NACL (acl-default,
 * acl-default-b); every group as AWS creates one: no inbound rule, all outbound.
 *
 *   subnet-pub  eni-alb1 (ELB app/web-alb) 10.0.0.50  sg-alb;  eni-web1 10.0.0.5 / 203.0.113.5  sg-web
 *   subnet-app  eni-app1 10.0.1.10 (+ …a001::10)  sg-app;  eni-app2 10.0.1.11 (+ …a001::11)  sg-app2
 *   subnet-db   eni-db1 10.0.2.20  sg-db;  eni-db2 10.0.2.21  sg-other
 *   subnet-b    eni-b1 10.1.3.3  sg-b;  eni-b2 10.1.3.4  sg-b2
 */
function net(): ScenarioNetwork {
  const n = new ScenarioNetwork()
    .vpc('vpc-a', '10.0.0.0/16', { ipv6: '2600:1f18:aa00:a000::/56', defaultAcl: 'acl-default' })
    .vpc('vpc-b', '10.1.0.0/16', { defaultAcl: 'acl-default-b' })
    .subnet('subnet-pub', 'vpc-a', '10.0.0.0/24', { ipv6: '2600:1f18:aa00:a000::/64' })
    .subnet('subnet-app', 'vpc-a', '10.0.1.0/24', { ipv6: '2600:1f18:aa00:a001::/64' })
    .subnet('subnet-db', 'vpc-a', '10.0.2.0/24', { ipv6: '2600:1f18:aa00:a002::/64' })
    .subnet('subnet-b', 'vpc-b', '10.1.3.0/24')
    .peering('pcx-ab', { vpc: 'vpc-a', cidr: '10.0.0.0/16' }, { vpc: 'vpc-b', cidr: '10.1.0.0/16' });
  for (const [id, vpc] of [
    ['sg-app', 'vpc-a'],
    ['sg-app2', 'vpc-a'],
    ['sg-db', 'vpc-a'],
    ['sg-other', 'vpc-a'],
    ['sg-alb', 'vpc-a'],
    ['sg-web', 'vpc-a'],
    ['sg-b', 'vpc-b'],
    ['sg-b2', 'vpc-b'],
  ] as const) {
    n.group(id, vpc);
  }
  return n
    .eni({ id: 'eni-app1', subnet: 'subnet-app', ip: '10.0.1.10', groups: ['sg-app'], ipv6: '2600:1f18:aa00:a001::10' })
    .eni({ id: 'eni-app2', subnet: 'subnet-app', ip: '10.0.1.11', groups: ['sg-app2'], ipv6: '2600:1f18:aa00:a001::11' })
    .eni({ id: 'eni-db1', subnet: 'subnet-db', ip: '10.0.2.20', groups: ['sg-db'] })
    .eni({ id: 'eni-db2', subnet: 'subnet-db', ip: '10.0.2.21', groups: ['sg-other'] })
    .eni({
      id: 'eni-alb1',
      subnet: 'subnet-pub',
      ip: '10.0.0.50',
      groups: ['sg-alb'],
      description: 'ELB app/web-alb/50dc6c495c0c9188',
      requesterId: 'amazon-elb',
    })
    .eni({ id: 'eni-web1', subnet: 'subnet-pub', ip: '10.0.0.5', groups: ['sg-web'], publicIp: '203.0.113.5' })
    .eni({ id: 'eni-b1', subnet: 'subnet-b', ip: '10.1.3.3', groups: ['sg-b'] })
    .eni({ id: 'eni-b2', subnet: 'subnet-b', ip: '10.1.3.4', groups: ['sg-b2'] });
}

const SIXTEEN = Array.from({ length: 16 }, (_, i) => `sg-x${String(i + 1).padStart(2, '0')}`);
/** `n` with these groups of vpc-a added. */
const withGroups = (n: ScenarioNetwork, ids: string[]) => {
  for (const id of ids) n.group(id, 'vpc-a');
  return n;
};

// ---------------------------------------------------------------- flow-log lines

function nodataLine(eni: string, status: 'NODATA' | 'SKIPDATA'): string {
  return `2 ${ACCOUNT} ${eni} - - - - - - - ${T0} ${T0 + 60} - ${status}`;
}

// ---------------------------------------------------------------- expectations

type Direction = 'ingress' | 'egress';
interface Expected {
  verdict: 'blocked' | 'allowed' | 'unknown';
  /** Left out only where the record itself cannot say (an interface the snapshot lacks, no flow-direction). */
  direction?: Direction;
  returnTraffic?: boolean;
  blockedBy: BlockingControl[];
  /** What the reason must say, where the controls alone do not tell it. */
  reason?: RegExp;
}

const allowedIn = (returnTraffic = false): Expected => ({ verdict: 'allowed', direction: 'ingress', returnTraffic, blockedBy: [] });
const allowedOut = (returnTraffic = false): Expected => ({ verdict: 'allowed', direction: 'egress', returnTraffic, blockedBy: [] });
/** A blocked verdict in that direction, naming `blockedBy`. */
const blocked =
  (direction: Direction, returnTraffic: boolean) =>
  (...blockedBy: BlockingControl[]): Expected => ({ verdict: 'blocked', direction, returnTraffic, blockedBy });
const blockedIn = blocked('ingress', false);
const blockedOut = blocked('egress', false);
const replyBlockedIn = blocked('ingress', true);
const replyBlockedOut = blocked('egress', true);

interface Scenario {
  name: string;
  net: ScenarioNetwork;
  flows: FlowFile;
  /** One per record with log-status OK, in file order. */
  expect: Expected[];
}

// ---------------------------------------------------------------- scenarios

const scenarios: Scenario[] = [
  // ---- security-group rule matching (ingress at eni-app1 on the open NACL)
  {
    name: 'SG: one rule allows tcp/443 from anywhere: the ACCEPT is allowed',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50123, dport: 443, action: 'ACCEPT' }] },
    expect: [allowedIn()],
  },
  {
    name: 'SG: a REJECT the current rules allow is allowed (already fixed)',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50123, dport: 443 }] },
    expect: [allowedIn()],
  },
  {
    name: 'SG: an ACCEPT the current rules refuse is blocked (the configuration changed since)',
    net: net(),
    flows: {
      records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 22, action: 'ACCEPT', flags: 2 }],
      fields: V5_FIELDS,
    },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'SG: any rule of any attached group allows (the third of three)',
    net: withGroups(net(), ['sg-x1', 'sg-x2']).attach('eni-app1', ['sg-app', 'sg-x1', 'sg-x2']).ingress('sg-x2', tcp(5432, '10.0.2.0/24')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [allowedIn()],
  },
  {
    name: 'SG: sixteen groups, only the sixteenth allows',
    net: withGroups(net(), SIXTEEN).attach('eni-app1', SIXTEEN).ingress('sg-x16', tcp(8080, '10.0.0.0/16')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 8080 }] },
    expect: [allowedIn()],
  },
  {
    name: 'SG: sixteen groups, none allows: every group is named',
    net: withGroups(net(), SIXTEEN).attach('eni-app1', SIXTEEN).ingress('sg-x16', tcp(8081, '10.0.0.0/16')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 8080 }] },
    expect: [blockedIn(sgIn(...SIXTEEN))],
  },
  {
    name: 'SG: two groups open the port to other sources only: both named',
    net: withGroups(net(), ['sg-x1'])
      .attach('eni-app1', ['sg-app', 'sg-x1'])
      .ingress('sg-app', tcp(22, '203.0.113.0/24'))
      .ingress('sg-x1', tcp(22, '10.0.0.0/8')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.9', dst: '10.0.1.10', sport: 50000, dport: 22 }] },
    expect: [blockedIn(sgIn('sg-app', 'sg-x1'))],
  },
  {
    name: 'SG: protocol -1 allows every protocol and port',
    net: net().ingress('sg-app', all('10.0.0.0/16')),
    flows: {
      records: [
        // A client port in an ephemeral range: from 5000 to 9999 either side could be the client.
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 50000, dport: 9999, protocol: 17 },
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', protocol: 47 },
      ],
    },
    expect: [allowedIn(), allowedIn()],
  },
  {
    name: 'SG: protocol number "6" is tcp and does not admit udp',
    net: net().ingress('sg-app', perm('6', [8080, 8080], '0.0.0.0/0')),
    flows: {
      records: [
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 8080 },
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 8080, protocol: 17 },
      ],
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'SG: protocol number "17" is udp and does not admit tcp',
    net: net().ingress('sg-app', perm('17', [53, 53], '10.0.0.0/16')),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 50000, dport: 53 },
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 50000, dport: 53, protocol: 17 },
      ],
    },
    expect: [blockedIn(sgIn('sg-app')), allowedIn()],
  },
  {
    name: 'SG: a port-less protocol number ("47", GRE) admits that protocol only',
    net: net().ingress('sg-app', perm('47', undefined, '10.0.2.0/24')),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', protocol: 47 },
        { eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', protocol: 50 },
      ],
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'SG: a port range 1000-2000 admits both ends, not 999 or 2001',
    net: net().ingress('sg-app', tcp([1000, 2000], '10.0.0.0/16')),
    flows: {
      records: [1000, 2000, 999, 2001].map((dport) => ({
        eni: 'eni-app1',
        src: '10.0.2.20',
        dst: '10.0.1.10',
        sport: 40000,
        dport,
        flags: 2,
      })),
      fields: V5_FIELDS,
    },
    expect: [allowedIn(), allowedIn(), blockedIn(sgIn('sg-app')), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'SG: a /28 source admits its first and last address, not the next one',
    net: net().ingress('sg-app', tcp(22, '10.0.2.16/28')),
    flows: {
      records: ['10.0.2.16', '10.0.2.31', '10.0.2.32'].map((src) => ({ eni: 'eni-app1', src, dst: '10.0.1.10', sport: 40000, dport: 22 })),
    },
    expect: [allowedIn(), allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'SG: a group with no outbound rule blocks a request leaving the ENI (SG only, NACL open)',
    net: net().egress('sg-app'),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432 }] },
    expect: [blockedOut(sgOut('sg-app'))],
  },
  {
    name: 'SG: outbound allowed by the second of two groups',
    net: withGroups(net(), ['sg-x1']).attach('eni-app1', ['sg-app', 'sg-x1']).egress('sg-app').egress('sg-x1', tcp(5432, '10.0.2.0/24')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432 }] },
    expect: [allowedOut()],
  },

  // ---- ICMP (flow logs record no type or code: ports are 0)
  {
    name: 'ICMP: an icmp rule for every type (-1/-1) allows an ICMP record',
    net: net().ingress('sg-app', perm('icmp', [-1, -1], '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [allowedIn()],
  },
  {
    name: 'ICMP: an echo-request-only rule (type 8) leaves an ICMP record unknown',
    net: net().ingress('sg-app', perm('icmp', [8, -1], '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'ICMP: a type-specific rule next to an all-types rule of another group: allowed',
    net: withGroups(net(), ['sg-x1'])
      .attach('eni-app1', ['sg-app', 'sg-x1'])
      .ingress('sg-app', perm('icmp', [8, -1], '0.0.0.0/0'))
      .ingress('sg-x1', perm('icmp', [-1, -1], '10.0.0.0/16')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', protocol: 1 }] },
    expect: [allowedIn()],
  },
  {
    name: 'ICMP: a type-specific rule for another source decides nothing: blocked whatever the type',
    net: net().ingress('sg-app', perm('icmp', [8, -1], '10.0.0.0/16')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'ICMP: a tcp all-ports rule does not open ICMP',
    net: net().ingress('sg-app', tcp([0, 65535], '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'ICMPv6: an icmpv6 rule for every type allows ICMPv6 over IPv6',
    net: net().ingress('sg-app', perm('icmpv6', [-1, -1], '::/0')),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::1', dst: '2600:1f18:aa00:a001::10', protocol: 58 }] },
    expect: [allowedIn()],
  },
  {
    name: 'ICMPv6: an echo-request-only icmpv6 rule (type 128) leaves the record unknown',
    net: net().ingress('sg-app', perm('icmpv6', [128, -1], '::/0')),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::1', dst: '2600:1f18:aa00:a001::10', protocol: 58 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'ICMPv6: an IPv4-only all-traffic rule does not admit an IPv6 peer',
    net: net().ingress('sg-app', all('0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::1', dst: '2600:1f18:aa00:a001::10', protocol: 58 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'ICMP: a NACL that allows only ICMP type 0 before its deny leaves an ICMP record unknown',
    net: net()
      .ingress('sg-app', perm('icmp', [-1, -1], '0.0.0.0/0'))
      .acl('acl-app', [allowIcmp(100, '0.0.0.0/0', '1', [0, -1])], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'ICMP: a NACL entry for every ICMP type and code allows',
    net: net()
      .ingress('sg-app', perm('icmp', [-1, -1], '0.0.0.0/0'))
      .acl('acl-app', [allowIcmp(100, '0.0.0.0/0', '1', [-1, -1])], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [allowedIn()],
  },

  {
    name: 'ICMP: numeric protocol "1" with a type (8) is as type-specific as "icmp": unknown',
    net: net().ingress('sg-app', perm('1', [8, 0], '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', protocol: 1 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'ICMPv6: numeric protocol "58" for every type allows ICMPv6',
    net: net().ingress('sg-app', perm('58', [-1, -1], '::/0')),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::1', dst: '2600:1f18:aa00:a001::10', protocol: 58 }] },
    expect: [allowedIn()],
  },
  {
    name: 'ICMPv6: a NACL allowing only ICMPv6 type 128 before its IPv6 deny leaves the record unknown',
    net: net()
      .ingress('sg-app', perm('icmpv6', [-1, -1], '::/0'))
      .acl('acl-app', [allowIcmp(100, '::/0', '58', [128, -1])], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::1', dst: '2600:1f18:aa00:a001::10', protocol: 58 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },

  // ---- IPv6
  {
    name: 'IPv6: a /48 source range admits an address inside it, not one outside',
    net: net().ingress('sg-app', tcp(443, '2001:db8:1234::/48')),
    flows: {
      records: [
        { eni: 'eni-app1', src: '2001:db8:1234:1::5', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 },
        { eni: 'eni-app1', src: '2001:db8:9999::1', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 },
      ],
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'IPv6: 0.0.0.0/0 does not admit an IPv6 client',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::7', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'IPv6: a NACL with IPv4 allows only drops IPv6 at its 32768 catch-all (IPv4 passes)',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0', '::/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0')], OPEN, ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '2001:db8::7', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 },
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443 },
      ],
    },
    expect: [blockedIn(naclIn('acl-app', 32768)), allowedIn()],
  },
  {
    name: 'IPv6: a NACL IPv6 allow entry admits IPv6',
    net: net()
      .ingress('sg-app', tcp(443, '::/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0'), allow(101, '::/0', '6', [443, 443])], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '2001:db8::7', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 }] },
    expect: [allowedIn()],
  },
  {
    name: 'IPv6: outbound IPv6 dropped by the outbound 32768 catch-all',
    net: net().acl('acl-app', OPEN, [allow(100, '0.0.0.0/0')], ['subnet-app']),
    flows: {
      records: [{ eni: 'eni-app1', src: '2600:1f18:aa00:a001::10', dst: '2001:db8::7', sport: 45000, dport: 443, flags: 2 }],
      fields: V5_FIELDS,
    },
    expect: [blockedOut(naclOut('acl-app', 32768))],
  },
  {
    name: 'IPv6: traffic between two addresses of one subnet skips the NACL',
    net: net()
      .ingress('sg-app', tcp(80, '::/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0')], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '2600:1f18:aa00:a001::11', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 80 }] },
    expect: [allowedIn()],
  },

  // ---- referenced security groups
  {
    name: 'Group reference: the private IP of an ENI carrying the group matches (same VPC)',
    net: net().ingress('sg-app', tcp(5432, 'sg-db')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Group reference: an ENI without the group does not match',
    net: net().ingress('sg-app', tcp(5432, 'sg-db')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.21', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Group reference: a secondary private IP of the carrying ENI matches',
    net: net()
      .ingress('sg-app', tcp(5432, 'sg-db'))
      .eni({ id: 'eni-db1', subnet: 'subnet-db', ip: '10.0.2.20', groups: ['sg-db'], secondary: [{ ip: '10.0.2.25' }] }),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.25', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Group reference: public and Elastic IPs of the carrying ENI never match',
    net: net()
      .ingress('sg-app', tcp(5432, 'sg-db'))
      .eni({
        id: 'eni-db1',
        subnet: 'subnet-db',
        ip: '10.0.2.20',
        groups: ['sg-db'],
        publicIp: '203.0.113.20',
        secondary: [{ ip: '10.0.2.25', publicIp: '203.0.113.21' }],
      }),
    flows: {
      records: [
        { eni: 'eni-app1', src: '203.0.113.20', dst: '10.0.1.10', sport: 40000, dport: 5432 },
        { eni: 'eni-app1', src: '203.0.113.21', dst: '10.0.1.10', sport: 40000, dport: 5432 },
      ],
    },
    expect: [blockedIn(sgIn('sg-app')), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Group reference: a group in a peered VPC (active peering) matches its ENI there',
    net: net().ingress(
      'sg-app',
      tcp(5432, { GroupId: 'sg-b', UserId: ACCOUNT, VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-ab', PeeringStatus: 'active' }),
    ),
    flows: { records: [{ eni: 'eni-app1', src: '10.1.3.3', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Group reference: in the peered VPC, an ENI without the group does not match',
    net: net().ingress(
      'sg-app',
      tcp(5432, { GroupId: 'sg-b', UserId: ACCOUNT, VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-ab', PeeringStatus: 'active' }),
    ),
    flows: { records: [{ eni: 'eni-app1', src: '10.1.3.4', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Group reference: across a deleted peering the rule is stale and matches nothing',
    net: net()
      .ingress('sg-app', tcp(5432, { GroupId: 'sg-b', UserId: ACCOUNT, VpcId: 'vpc-b', VpcPeeringConnectionId: 'pcx-ab' }))
      .peeringStatus('pcx-ab', 'deleted'),
    flows: { records: [{ eni: 'eni-app1', src: '10.1.3.3', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Group reference: a group of another account across a peering is unknown',
    net: net()
      .ingress(
        'sg-app',
        tcp(5432, {
          GroupId: 'sg-remote',
          UserId: OTHER_ACCOUNT,
          VpcId: 'vpc-c',
          VpcPeeringConnectionId: 'pcx-ac',
          PeeringStatus: 'active',
        }),
      )
      .peering('pcx-ac', { vpc: 'vpc-a', cidr: '10.0.0.0/16' }, { vpc: 'vpc-c', cidr: '172.16.0.0/16', owner: OTHER_ACCOUNT }),
    flows: { records: [{ eni: 'eni-app1', src: '172.16.5.5', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'Group reference: a self-referencing group lets its members reach each other',
    net: net().attach('eni-app2', ['sg-app']).ingress('sg-app', all('sg-app')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.11', dst: '10.0.1.10', sport: 40000, dport: 7000 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Group reference: an outbound rule to a group admits its carrier, not another ENI',
    net: net().egress('sg-app', tcp(5432, 'sg-db')),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432, action: 'ACCEPT' },
        { eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.21', sport: 45001, dport: 5432 },
      ],
    },
    expect: [allowedOut(), blockedOut(sgOut('sg-app'))],
  },

  // ---- prefix lists
  {
    name: 'Prefix list: its entries admit, other addresses do not',
    net: net().ingress('sg-app', tcp(443, 'pl-0corp')).prefixList('pl-0corp', ['192.0.2.0/24', '198.18.0.0/15']),
    flows: {
      records: ['192.0.2.44', '198.19.1.1', '198.51.100.44'].map((src) => ({
        eni: 'eni-app1',
        src,
        dst: '10.0.1.10',
        sport: 50000,
        dport: 443,
      })),
    },
    expect: [allowedIn(), allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Prefix list: in an outbound rule',
    net: net().egress('sg-app', tcp(443, 'pl-0corp')).prefixList('pl-0corp', ['192.0.2.0/24']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.1.10', dst: '192.0.2.10', sport: 45000, dport: 443, flags: 2 },
        { eni: 'eni-app1', src: '10.0.1.10', dst: '203.0.113.9', sport: 45001, dport: 443, flags: 2 },
      ],
      fields: V5_FIELDS,
    },
    expect: [allowedOut(), blockedOut(sgOut('sg-app'))],
  },
  {
    name: 'Prefix list: one whose entries the snapshot lacks leaves the verdict unknown',
    net: net().ingress('sg-app', tcp(443, 'pl-0aws')),
    flows: { records: [{ eni: 'eni-app1', src: '52.94.1.1', dst: '10.0.1.10', sport: 50000, dport: 443 }] },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'Prefix list: IPv6 entries admit IPv6 clients',
    net: net().ingress('sg-app', tcp(443, 'pl-0v6')).prefixList('pl-0v6', ['2001:db8:aaaa::/48']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '2001:db8:aaaa::1', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 },
        { eni: 'eni-app1', src: '2001:db8:bbbb::1', dst: '2600:1f18:aa00:a001::10', sport: 50000, dport: 443 },
      ],
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-app'))],
  },

  // ---- NACL evaluation
  {
    name: 'NACL: a lower-numbered allow wins over a later deny',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0', '6', [443, 443]), deny(200, '198.51.100.0/24')], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443 }] },
    expect: [allowedIn()],
  },
  {
    name: 'NACL: a lower-numbered deny wins over a later allow',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', [deny(90, '198.51.100.0/24', '6', [0, 65535]), allow(100, '0.0.0.0/0')], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443 }] },
    expect: [blockedIn(naclIn('acl-app', 90))],
  },
  {
    name: 'NACL: rules go by number, not by their position in Entries',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', [allow(200, '0.0.0.0/0'), deny(100, '198.51.100.0/24', '6', [443, 443])], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443 }] },
    expect: [blockedIn(naclIn('acl-app', 100))],
  },
  {
    name: 'NACL: an entry for all protocols (-1) ignores its port range',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', [deny(100, '198.51.100.0/24', '-1', [22, 22]), allow(200, '0.0.0.0/0')], OPEN, ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443 }] },
    expect: [blockedIn(naclIn('acl-app', 100))],
  },
  {
    name: 'NACL: a tcp entry does not match udp on the same port',
    net: net()
      .ingress('sg-app', all('0.0.0.0/0'))
      .acl('acl-app', [deny(100, '0.0.0.0/0', '6', [53, 53]), allow(200, '0.0.0.0/0')], OPEN, ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 53, protocol: 17 },
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 53 },
      ],
    },
    expect: [allowedIn(), blockedIn(naclIn('acl-app', 100))],
  },
  {
    name: 'NACL and SG both refuse on the way in: NACL first, then SG',
    net: net()
      .ingress('sg-app', tcp(8080, '0.0.0.0/0'))
      .acl('acl-app', [allow(100, '0.0.0.0/0', '6', [1024, 65535])], OPEN, ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 8080, flags: 2 },
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 22, flags: 2 },
      ],
      fields: V5_FIELDS,
    },
    expect: [allowedIn(), blockedIn(naclIn('acl-app', 32767), sgIn('sg-app'))],
  },
  {
    name: 'NACL and SG both refuse on the way out: SG first, then NACL',
    net: net()
      .egress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', OPEN, [deny(50, '10.0.2.0/24'), allow(100, '0.0.0.0/0')], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432, flags: 2 }], fields: V5_FIELDS },
    expect: [blockedOut(sgOut('sg-app'), naclOut('acl-app', 50))],
  },
  {
    name: 'NACL alone refuses a request on the way out',
    net: net().acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443])], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432, flags: 2 }], fields: V5_FIELDS },
    expect: [blockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'NACL: one NACL on two subnets still filters traffic between them',
    net: net()
      .ingress('sg-app', tcp(5432, '10.0.2.0/24'))
      .acl('acl-shared', [allow(100, '0.0.0.0/0', '6', [443, 443])], OPEN, ['subnet-app', 'subnet-db']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [blockedIn(naclIn('acl-shared', 32767))],
  },
  {
    name: 'NACL: the capturing ENI’s subnet NACL decides, not the peer subnet’s',
    net: net().ingress('sg-app', tcp(5432, '10.0.2.0/24')).acl('acl-db', [], OPEN, ['subnet-db']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.10', sport: 40000, dport: 5432 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Same subnet: a deny-all NACL is not evaluated, the SG allows',
    net: net().ingress('sg-app', tcp(8080, '10.0.1.0/24')).acl('acl-app', [], [], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.11', dst: '10.0.1.10', sport: 40000, dport: 8080 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Same subnet: the SG refuses and is the only control named',
    net: net().ingress('sg-app', tcp(8080, '10.0.2.0/24')).acl('acl-app', [], [], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.11', dst: '10.0.1.10', sport: 40000, dport: 8080 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Same subnet: outbound, the deny-all NACL is not evaluated, the SG refuses',
    net: net().egress('sg-app', tcp(443, '0.0.0.0/0')).acl('acl-app', [], [], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.1.11', sport: 45000, dport: 8080, flags: 2 }], fields: V5_FIELDS },
    expect: [blockedOut(sgOut('sg-app'))],
  },

  // ---- return traffic: never an SG block, only a NACL one
  {
    name: 'Return traffic: a SYN-ACK REJECTed on the way out is the NACL’s, never the SG’s',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .egress('sg-app')
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443])], ['subnet-app']),
    flows: {
      records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.7', sport: 443, dport: 50123, flags: 18, dir: 'egress' }],
      fields: V5_FIELDS,
    },
    expect: [replyBlockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'Return traffic: recognised (v2, no flags) from a service port the SG allows in, answering an ephemeral port',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .egress('sg-app')
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [443, 443])], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.7', sport: 443, dport: 50123 }] },
    expect: [replyBlockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'Return traffic: a Linux-only ephemeral allow (32768-60999) drops replies to a Windows client port',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [32768, 60999])], ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.7', sport: 443, dport: 61500, flags: 18 },
        { eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.8', sport: 443, dport: 45000, flags: 18 },
      ],
      fields: V5_FIELDS,
    },
    expect: [replyBlockedOut(naclOut('acl-app', 32767)), allowedOut(true)],
  },
  {
    name: 'Return traffic: replies to a load balancer’s port 1500 fall outside 32768-65535',
    net: net()
      .ingress('sg-app', tcp(8080, 'sg-alb'))
      .egress('sg-app')
      .acl('acl-app', OPEN, [allow(100, '10.0.0.0/16', '6', [32768, 65535])], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.0.50', sport: 8080, dport: 1500 }] },
    expect: [replyBlockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'Return traffic: a SYN-ACK answering the ENI’s own request, dropped by the inbound NACL',
    net: net().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22])], OPEN, ['subnet-app']),
    flows: {
      records: [{ eni: 'eni-app1', src: '203.0.113.10', dst: '10.0.1.10', sport: 443, dport: 40000, flags: 18, dir: 'ingress' }],
      fields: V5_FIELDS,
    },
    expect: [replyBlockedIn(naclIn('acl-app', 32767))],
  },
  {
    name: 'Return traffic: recognised (v2) from the reverse ACCEPT of the ENI’s request',
    net: net().acl('acl-app', [allow(100, '10.0.0.0/16', '6', [22, 22])], OPEN, ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '10.0.1.10', dst: '203.0.113.10', sport: 40000, dport: 443, action: 'ACCEPT' },
        { eni: 'eni-app1', src: '203.0.113.10', dst: '10.0.1.10', sport: 443, dport: 40000 },
      ],
    },
    expect: [allowedOut(), replyBlockedIn(naclIn('acl-app', 32767))],
  },
  {
    name: 'Return traffic: a reply the NACL now lets out is allowed, still return traffic',
    net: net()
      .ingress('sg-app', tcp(443, '0.0.0.0/0'))
      .egress('sg-app')
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [1024, 65535])], ['subnet-app']),
    flows: {
      records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.7', sport: 443, dport: 50123, flags: 18 }],
      fields: V5_FIELDS,
    },
    expect: [allowedOut(true)],
  },
  {
    name: 'Return traffic: a SYN is a new connection even from a service port (the SG is named)',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 443, dport: 50000, flags: 2 }], fields: V5_FIELDS },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Return traffic: a DNS server’s UDP reply dropped by an outbound NACL that allows tcp only',
    net: net()
      .ingress('sg-app', udp(53, '10.0.0.0/16'))
      .egress('sg-app')
      .acl('acl-app', OPEN, [allow(100, '0.0.0.0/0', '6', [0, 65535])], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 53, dport: 55000, protocol: 17 }] },
    expect: [replyBlockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'Return traffic: the ENI’s own SYN refused by its outbound SG is a request',
    net: net().egress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432, flags: 2, dir: 'egress' }],
      fields: V5_FIELDS,
    },
    expect: [blockedOut(sgOut('sg-app'))],
  },

  // ---- late FIN / RST after the connection closed: REJECTed by connection tracking, no rule at fault
  {
    name: 'Late FIN to a port the rules allow: allowed',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50123, dport: 443, flags: 1 }], fields: V5_FIELDS },
    expect: [allowedIn()],
  },
  {
    name: 'Late RST from the server side: return traffic, no SG block',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')).egress('sg-app'),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '198.51.100.7', sport: 443, dport: 50123, flags: 4 }], fields: V5_FIELDS },
    expect: [allowedOut(true)],
  },

  // ---- VPC Block Public Access (reject-reason, version 8)
  {
    name: 'BPA: reject-reason BPA is Block Public Access, not an SG or NACL',
    net: net().ingress('sg-web', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [{ eni: 'eni-web1', src: '198.51.100.7', dst: '10.0.0.5', sport: 50123, dport: 443, flags: 2, rejectReason: 'BPA' }],
      fields: V8_FIELDS,
    },
    expect: [blockedIn(bpa('ingress'))],
  },
  {
    name: 'BPA: with the SG refusing too, BPA is the control and the reason names the SG an exclusion would still meet',
    net: net().ingress('sg-web', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [{ eni: 'eni-web1', src: '198.51.100.7', dst: '10.0.0.5', sport: 50123, dport: 22, flags: 2, rejectReason: 'BPA' }],
      fields: V8_FIELDS,
    },
    expect: [
      { ...blockedIn(bpa('ingress')), reason: /excluded from it, the flow would still be refused: no rule of sg-web allows tcp\/22\b/ },
    ],
  },
  {
    name: 'BPA: with the NACL and the SG refusing too, the reason names both',
    net: net()
      .ingress('sg-web', tcp(443, '0.0.0.0/0'))
      .acl('acl-pub', [allow(100, '0.0.0.0/0', '6', [443, 443])], OPEN, ['subnet-pub']),
    flows: {
      records: [{ eni: 'eni-web1', src: '198.51.100.7', dst: '10.0.0.5', sport: 50123, dport: 22, flags: 2, rejectReason: 'BPA' }],
      fields: V8_FIELDS,
    },
    expect: [
      {
        ...blockedIn(bpa('ingress')),
        reason:
          /still be refused: rule 32767 \(the catch-all deny\) of acl-pub denies inbound tcp\/22 .*, and no rule of sg-web allows tcp\/22\b/,
      },
    ],
  },
  {
    name: 'BPA: on the way out, with the SG refusing too',
    net: net().egress('sg-web', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [
        { eni: 'eni-web1', src: '10.0.0.5', dst: '198.51.100.7', sport: 45000, dport: 25, flags: 2, dir: 'egress', rejectReason: 'BPA' },
      ],
      fields: V8_FIELDS,
    },
    expect: [{ ...blockedOut(bpa('egress')), reason: /still be refused: no rule of sg-web allows tcp\/25\b/ }],
  },
  {
    name: 'BPA: a reply refused by BPA is return traffic, and the SG is not named behind it',
    net: net().ingress('sg-web', tcp(443, '0.0.0.0/0')).egress('sg-web'),
    flows: {
      records: [
        { eni: 'eni-web1', src: '10.0.0.5', dst: '198.51.100.7', sport: 443, dport: 50123, flags: 18, dir: 'egress', rejectReason: 'BPA' },
      ],
      fields: V8_FIELDS,
    },
    expect: [{ ...replyBlockedOut(bpa('egress')), reason: /security groups and network ACL allow it$/ }],
  },
  {
    name: 'BPA: at an interface the snapshot lacks, BPA is still certain; what lies behind it is unknown',
    net: net(),
    flows: {
      records: [
        { eni: 'eni-gone', src: '198.51.100.7', dst: '10.0.0.99', sport: 50123, dport: 443, flags: 2, dir: 'ingress', rejectReason: 'BPA' },
      ],
      fields: V8_FIELDS,
    },
    expect: [
      {
        verdict: 'blocked',
        direction: 'ingress',
        returnTraffic: false,
        blockedBy: [bpa('ingress')],
        reason: /would refuse it too is unknown: eni-gone is not in the snapshot/,
      },
    ],
  },
  {
    name: 'BPA: reject-reason "-" is an ordinary REJECT',
    net: net().ingress('sg-web', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-web1', src: '198.51.100.7', dst: '10.0.0.5', sport: 50123, dport: 22, flags: 2 }], fields: V8_FIELDS },
    expect: [blockedIn(sgIn('sg-web'))],
  },
  {
    name: 'BPA: on the way out',
    net: net(),
    flows: {
      records: [
        { eni: 'eni-web1', src: '10.0.0.5', dst: '198.51.100.7', sport: 45000, dport: 443, flags: 2, dir: 'egress', rejectReason: 'BPA' },
      ],
      fields: V8_FIELDS,
    },
    expect: [blockedOut(bpa('egress'))],
  },

  // ---- interfaces and direction
  {
    name: 'Unknown ENI (v5, flow-direction given): unknown with a reason, direction from the record',
    net: net(),
    flows: {
      records: [{ eni: 'eni-gone', src: '10.0.2.20', dst: '10.0.1.99', sport: 40000, dport: 443, flags: 2, dir: 'ingress' }],
      fields: V5_FIELDS,
    },
    expect: [{ verdict: 'unknown', direction: 'ingress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'Unknown ENI (v2): unknown with a reason',
    net: net(),
    flows: { records: [{ eni: 'eni-gone', src: '10.0.2.20', dst: '10.0.1.99', sport: 40000, dport: 443 }] },
    expect: [{ verdict: 'unknown', blockedBy: [] }],
  },
  {
    name: 'Direction: flow-direction egress decides (v5)',
    net: net().egress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432, dir: 'egress' }],
      fields: V5_FIELDS,
    },
    expect: [blockedOut(sgOut('sg-app'))],
  },
  {
    name: 'Direction: inferred from the ENI’s addresses without flow-direction (v2)',
    net: net().egress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.2.20', sport: 45000, dport: 5432 }] },
    expect: [blockedOut(sgOut('sg-app'))],
  },
  {
    name: 'Direction: an address of a prefix delegated to the ENI is the ENI’s',
    net: net()
      .ingress('sg-app', tcp(8080, '10.0.2.0/24'))
      .eni({ id: 'eni-app1', subnet: 'subnet-app', ip: '10.0.1.10', groups: ['sg-app'], ipv4Prefixes: ['10.0.1.64/28'] }),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.2.20', dst: '10.0.1.70', sport: 40000, dport: 8080 }] },
    expect: [allowedIn()],
  },
  {
    name: 'Direction: at a middlebox ENI pkt-dstaddr is beyond it; the peer is srcaddr',
    net: net()
      .group('sg-fw', 'vpc-a')
      .ingress('sg-fw', all('10.0.0.0/16'))
      .eni({ id: 'eni-fw1', subnet: 'subnet-app', ip: '10.0.1.30', groups: ['sg-fw'] }),
    flows: {
      records: [
        {
          eni: 'eni-fw1',
          src: '10.0.2.20',
          dst: '10.0.1.30',
          pktDst: '10.8.0.9',
          sport: 40000,
          dport: 443,
          dir: 'ingress',
          flags: 2,
          action: 'ACCEPT',
        },
        { eni: 'eni-fw1', src: '198.51.100.7', dst: '10.0.1.30', pktDst: '10.8.0.9', sport: 40000, dport: 443, dir: 'ingress', flags: 2 },
      ],
      fields: V5_FIELDS,
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-fw'))],
  },

  // ---- load balancers
  {
    name: 'ALB ENI: its group decides (443 open, 80 not)',
    net: net().ingress('sg-alb', tcp(443, '0.0.0.0/0')),
    flows: {
      records: [
        { eni: 'eni-alb1', src: '198.51.100.7', dst: '10.0.0.50', sport: 50000, dport: 443, action: 'ACCEPT', flags: 2 },
        { eni: 'eni-alb1', src: '198.51.100.7', dst: '10.0.0.50', sport: 50001, dport: 80, flags: 2 },
      ],
      fields: V5_FIELDS,
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-alb'))],
  },
  {
    name: 'ALB target: the load balancer’s group admits it, from its port 1500',
    net: net().ingress('sg-app', tcp(8080, 'sg-alb')),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.0.50', dst: '10.0.1.10', sport: 1500, dport: 8080 }] },
    expect: [allowedIn()],
  },
  {
    name: 'NLB ENI without security groups: only the NACL filters',
    net: net()
      .eni({
        id: 'eni-nlb1',
        subnet: 'subnet-pub',
        ip: '10.0.0.60',
        groups: [],
        interfaceType: 'network_load_balancer',
        description: 'ELB net/web-nlb/3f1c2b4a5d6e7f80',
        requesterId: 'amazon-elb',
      })
      .acl('acl-pub', [deny(50, '0.0.0.0/0', '6', [8443, 8443]), allow(100, '0.0.0.0/0')], OPEN, ['subnet-pub']),
    flows: {
      records: [
        { eni: 'eni-nlb1', src: '198.51.100.7', dst: '10.0.0.60', sport: 50000, dport: 8443 },
        { eni: 'eni-nlb1', src: '198.51.100.7', dst: '10.0.0.60', sport: 50001, dport: 443, action: 'ACCEPT' },
      ],
    },
    expect: [blockedIn(naclIn('acl-pub', 50)), allowedIn()],
  },

  // ---- input handling and traffic no control filters
  {
    name: 'Input: NODATA and SKIPDATA lines carry no flow and get no verdict',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: {
      header: true,
      records: [{ eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 22 }],
      raw: [nodataLine('eni-app1', 'NODATA'), nodataLine('eni-app1', 'SKIPDATA')],
    },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  {
    name: 'Input: a custom format with its fields in another order (header line)',
    net: net().ingress('sg-app', tcp(443, '0.0.0.0/0')),
    flows: {
      fields: [
        'version',
        'vpc-id',
        'subnet-id',
        'instance-id',
        'interface-id',
        'account-id',
        'type',
        'srcaddr',
        'dstaddr',
        'srcport',
        'dstport',
        'pkt-srcaddr',
        'pkt-dstaddr',
        'protocol',
        'bytes',
        'packets',
        'start',
        'end',
        'action',
        'tcp-flags',
        'log-status',
      ],
      version: 3,
      records: [
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50000, dport: 443, vpc: 'vpc-a', subnet: 'subnet-app', flags: 2 },
        { eni: 'eni-app1', src: '198.51.100.7', dst: '10.0.1.10', sport: 50001, dport: 8443, vpc: 'vpc-a', subnet: 'subnet-app', flags: 2 },
      ],
    },
    expect: [allowedIn(), blockedIn(sgIn('sg-app'))],
  },
  // The flow-log user guide's ping example: the group admits ICMP in and nothing out, the NACL
  // admits ICMP in and nothing out. The echo reply leaves through the group statefully and the NACL
  // drops it: the log shows the request ACCEPTed and the reply REJECTed.
  {
    name: 'ICMP (user guide ping example): the request ACCEPTed in, the reply REJECTed out by the NACL alone',
    net: net()
      .ingress('sg-app', perm('icmp', [-1, -1], '0.0.0.0/0'))
      .egress('sg-app')
      .acl('acl-app', [allowIcmp(100, '0.0.0.0/0', '1', [-1, -1])], [], ['subnet-app']),
    flows: {
      records: [
        { eni: 'eni-app1', src: '203.0.113.12', dst: '10.0.1.10', sport: 0, dport: 0, protocol: 1, action: 'ACCEPT' },
        { eni: 'eni-app1', src: '10.0.1.10', dst: '203.0.113.12', sport: 0, dport: 0, protocol: 1 },
      ],
    },
    expect: [allowedIn(), replyBlockedOut(naclOut('acl-app', 32767))],
  },
  {
    name: 'ICMP (user guide ping example): a group that admits no ICMP in refuses the ping, one REJECT record',
    net: net(),
    flows: { records: [{ eni: 'eni-app1', src: '203.0.113.12', dst: '10.0.1.10', sport: 0, dport: 0, protocol: 1 }] },
    expect: [blockedIn(sgIn('sg-app'))],
  },
  // Neither SGs nor NACLs filter this traffic and flow logs do not record it: a REJECT of it is no
  // rule's doing, so it is not "already fixed" either: unknown, with the reason, and no control named.
  {
    name: 'Not filtered: DNS to the Amazon DNS server (VPC+2) is no rule’s doing, whatever the SG and NACL say',
    net: net().egress('sg-app').acl('acl-app', [], [], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '10.0.0.2', sport: 45000, dport: 53, protocol: 17 }] },
    expect: [{ verdict: 'unknown', direction: 'egress', returnTraffic: false, blockedBy: [] }],
  },
  {
    name: 'Not filtered: instance metadata (169.254.169.254) is no rule’s doing, whatever the SG and NACL say',
    net: net().egress('sg-app').acl('acl-app', [], [], ['subnet-app']),
    flows: { records: [{ eni: 'eni-app1', src: '10.0.1.10', dst: '169.254.169.254', sport: 45000, dport: 80 }] },
    expect: [{ verdict: 'unknown', direction: 'egress', returnTraffic: false, blockedBy: [] }],
  },
];

// ---------------------------------------------------------------- the CLI's explain pipeline

interface ExplainLine {
  record: FlowRecord;
  verdict: string;
  direction: string;
  returnTraffic: boolean;
  blockedBy: BlockingControl[];
  reason?: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sgdoctor-explain-scenarios-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function explain(scenario: Scenario, index: number): Promise<ExplainLine[]> {
  const snapshotFile = join(dir, `snapshot-${index}.json`);
  const flowFile = join(dir, `flows-${index}.log`);
  await writeFile(snapshotFile, JSON.stringify(scenario.net.json()));
  await writeFile(flowFile, flowFileText(scenario.flows));
  const model = NetworkModel.fromSnapshot(await loadSnapshot([snapshotFile], { strict: true }));
  const records: FlowRecord[] = [];
  const returnTraffic = new ReturnTrafficIndex();
  for await (const { record } of readFlowRecords([flowFile], { strict: true })) {
    if (!isTrafficRecord(record)) continue;
    const flow = recordToFlow(record);
    if (!flow) throw new Error(`incomplete record in scenario "${scenario.name}"`);
    returnTraffic.add(flow);
    records.push(record);
  }
  const ctx: ExplainContext = { returnTraffic };
  return records.map((record) => JSON.parse(explainJsonLine(record, explainFlow(model, recordToFlow(record)!, ctx))) as ExplainLine);
}

/** Security-group ids compared as a set: the contract fixes which groups, and the README their sorted order. */
function normalise(controls: readonly BlockingControl[]): BlockingControl[] {
  return controls.map((c) => (c.control === 'security-group' ? { ...c, groupIds: [...c.groupIds].sort() } : c));
}

describe('explain scenarios from AWS documented behaviour', () => {
  it('has at least 60 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
  });

  scenarios.forEach((scenario, index) => {
    it(scenario.name, async () => {
      const lines = await explain(scenario, index);
      expect(lines).toHaveLength(scenario.expect.length);
      lines.forEach((line, i) => {
        const want = scenario.expect[i]!;
        const { reason, ...controls } = want;
        const got: Partial<Expected> = { verdict: line.verdict as Expected['verdict'], blockedBy: normalise(line.blockedBy) };
        if (want.direction !== undefined) got.direction = line.direction as Direction;
        if (want.returnTraffic !== undefined) got.returnTraffic = line.returnTraffic;
        expect(got, `record ${i + 1}: ${JSON.stringify(line.record)} — reason: ${line.reason ?? '(none)'}`).toEqual({
          ...controls,
          blockedBy: normalise(want.blockedBy),
        });
        if (reason) expect(line.reason, `record ${i + 1}'s reason`).toMatch(reason);
        if (want.verdict === 'unknown') expect(line.reason, `record ${i + 1} is unknown without a reason`).toMatch(/\S/);
      });
    });
  });
});
