import { buildSnapshot } from '../samples/sample-snapshot';
import { ACCOUNT_ID, ALB_ENIS, APP_ENIS, ENI, PEERS, SUBNETS, VPC } from '../samples/scenario';
import { SeededRandom } from '../samples/seeded-random';
import type { FlowRecord } from '../src/engine/flow-log/flow-record';
import type { NetworkInterface, NetworkSnapshot, SecurityGroup } from '../src/engine/network/snapshot';

/**
 * A labelled evaluation corpus for the classifier: the sample shop VPC with forty more public web
 * instances, and three days of flow-log records whose ground truth is known for every record —
 * scanner noise (single-SYN sweeps, nmap-style scans with retransmits, slow scans spread over days,
 * botnets knocking on one port, scanners sending from a service port — tcp/443, tcp/80, udp/53 — to
 * high ports so their probes pass for replies), late FIN/RST after close, and misconfigurations
 * (internal clients retrying a refused service, NACLs that drop return traffic — also a Windows
 * host's replies from an HTTPS server — load-balancer health checks on a port the targets' group
 * does not open, partner traffic refused on a port that an nmap scan of the same host also hits),
 * with accepted traffic around them. Deterministic for a seed.
 */

/** What a record really is. */
export type Truth = 'scanner' | 'late-close' | 'misconfiguration';

export interface LabelledRecord {
  record: FlowRecord;
  truth: Truth;
  /** The scenario that produced it (e.g. `nmap`, `botnet tcp/23`). */
  scenario: string;
}

export interface Corpus {
  snapshot: NetworkSnapshot;
  records: LabelledRecord[];
  /** Ground truth of every rejected (interface, source, destination): the labels of the aggregates. */
  truthOf(interfaceId: string, srcaddr: string, dstaddr: string): { truth: Truth; scenario: string } | undefined;
}

export const CORPUS_SEED = 0xc1a551f;
/** 2026-12-01T00:00:00Z; the corpus covers three days from here. */
export const CORPUS_START = Date.UTC(2026, 11, 1) / 1000;
const DAYS = 3;
const SPAN = DAYS * 86_400;

export const WEB_GROUP = 'sg-0e7a1b2c3d4e50001';
const WEB_COUNT = 40;
const TCP = 6;
const UDP = 17;
const SYN = 2;
const SYN_ACK = 18;
const FIN = 1;
const FIN_ACK = 17;
const RST = 4;
/** A packet of an established connection: flow logs report ACK only together with SYN, so no flag is set. */
const NO_FLAGS = 0;

interface Host {
  eni: string;
  ip: string;
  subnet: string;
}

function webInstances(): Host[] {
  return Array.from({ length: WEB_COUNT }, (_, i) => {
    const subnet = i % 2 === 0 ? SUBNETS.publicA : SUBNETS.publicB;
    return {
      eni: `eni-0e7a${(i + 1).toString(16).padStart(13, '0')}`,
      ip: `${subnet.cidr.split('.').slice(0, 3).join('.')}.${100 + Math.floor(i / 2)}`,
      subnet: subnet.id,
    };
  });
}

/**
 * A Windows web host in the batch subnet: Windows takes its ephemeral ports from 49152-65535, and
 * the batch NACL lets internet replies in on 32768-60999 only (the Linux range), so the replies to
 * its HTTPS calls that land on 61000-65535 are dropped.
 */
const WINDOWS_WEB: Host = { eni: 'eni-0e7a1000000000041', ip: '10.20.30.150', subnet: SUBNETS.batchA.id };

/**
 * The sample snapshot with forty public web instances behind `WEB_GROUP` (443 from anywhere, 8443
 * from the corporate VPN, 8080 from the ALB), and the Windows web host in the batch subnet.
 */
export function corpusSnapshot(): NetworkSnapshot {
  const snapshot = buildSnapshot();
  const web: SecurityGroup = {
    GroupId: WEB_GROUP,
    GroupName: 'eval-web',
    Description: 'public web instances',
    VpcId: VPC.shop.id,
    OwnerId: ACCOUNT_ID,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: '198.51.100.0/26', Description: 'corporate VPN' }] },
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: ENI_GROUP_ALB, UserId: ACCOUNT_ID }] },
    ],
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  };
  const interfaces: NetworkInterface[] = webInstances().map((host, i) => ({
    NetworkInterfaceId: host.eni,
    SubnetId: host.subnet,
    VpcId: VPC.shop.id,
    OwnerId: ACCOUNT_ID,
    Status: 'in-use',
    InterfaceType: 'interface',
    Attachment: { InstanceId: `i-0e7a${(i + 1).toString(16).padStart(13, '0')}`, DeviceIndex: 0, Status: 'attached' },
    PrivateIpAddress: host.ip,
    PrivateIpAddresses: [{ PrivateIpAddress: host.ip, Primary: true, Association: { PublicIp: `198.18.${i}.10` } }],
    Groups: [{ GroupId: WEB_GROUP, GroupName: 'eval-web' }],
  }));
  const windows: NetworkInterface = {
    NetworkInterfaceId: WINDOWS_WEB.eni,
    SubnetId: WINDOWS_WEB.subnet,
    VpcId: VPC.shop.id,
    OwnerId: ACCOUNT_ID,
    Status: 'in-use',
    InterfaceType: 'interface',
    Attachment: { InstanceId: 'i-0e7a1000000000041', DeviceIndex: 0 },
    PrivateIpAddress: WINDOWS_WEB.ip,
    PrivateIpAddresses: [{ PrivateIpAddress: WINDOWS_WEB.ip, Primary: true }],
    Groups: [{ GroupId: WEB_GROUP, GroupName: 'eval-web' }],
  };
  return {
    ...snapshot,
    SecurityGroups: [...(snapshot.SecurityGroups ?? []), web],
    NetworkInterfaces: [...(snapshot.NetworkInterfaces ?? []), ...interfaces, windows],
  };
}

const ENI_GROUP_ALB = 'sg-0a1b2c3d4e5f60001';

/** Ports scanners favour (sweeps, botnets, slow scans). */
const POPULAR_PORTS = [
  21, 22, 23, 25, 53, 80, 110, 135, 139, 445, 1433, 1521, 2375, 3306, 3389, 5432, 5900, 5985, 6379, 8080, 8443, 8888, 9200, 11211, 27017,
];

class CorpusBuilder {
  readonly records: LabelledRecord[] = [];
  private readonly labels = new Map<string, { truth: Truth; scenario: string }>();
  private readonly usedAddresses = new Set<string>();

  constructor(readonly random: SeededRandom) {}

  /** A fresh public address outside every documentation and private range. */
  internetAddress(): string {
    for (;;) {
      const first = this.random.pick([31, 37, 45, 62, 77, 80, 89, 91, 103, 109, 141, 146, 176, 178, 185, 193, 194, 212, 213, 217]);
      const address = `${first}.${this.random.int(0, 255)}.${this.random.int(0, 255)}.${this.random.int(1, 254)}`;
      if (!this.usedAddresses.has(address)) {
        this.usedAddresses.add(address);
        return address;
      }
    }
  }

  /** A record at `eni` (TCP unless `protocol` says otherwise); REJECTs are labelled by (interface, source, destination). */
  add(
    fields: {
      eni: string;
      protocol?: number;
      subnet: string;
      src: string;
      dst: string;
      srcport: number;
      dstport: number;
      packets: number;
      start: number;
      action: 'ACCEPT' | 'REJECT';
      flags: number;
      direction: 'ingress' | 'egress';
    },
    truth: Truth | null,
    scenario: string,
  ): void {
    const record: FlowRecord = {
      version: 5,
      'account-id': ACCOUNT_ID,
      'interface-id': fields.eni,
      srcaddr: fields.src,
      dstaddr: fields.dst,
      srcport: fields.srcport,
      dstport: fields.dstport,
      protocol: fields.protocol ?? TCP,
      packets: fields.packets,
      bytes: fields.packets * 60,
      start: Math.floor(fields.start),
      end: Math.floor(fields.start) + 60,
      action: fields.action,
      'log-status': 'OK',
      'vpc-id': VPC.shop.id,
      'subnet-id': fields.subnet,
      'tcp-flags': fields.flags,
      'flow-direction': fields.direction,
    };
    if (fields.action === 'REJECT') {
      if (truth === null) throw new Error(`a rejected record of ${scenario} needs a label`);
      const key = `${fields.eni}|${fields.src}|${fields.dst}`;
      const known = this.labels.get(key);
      if (known && known.truth !== truth) throw new Error(`${key} labelled both ${known.truth} and ${truth}`);
      this.labels.set(key, { truth, scenario });
      this.records.push({ record, truth, scenario });
    } else {
      this.records.push({ record, truth: truth ?? 'misconfiguration', scenario });
    }
  }

  label(interfaceId: string, srcaddr: string, dstaddr: string) {
    return this.labels.get(`${interfaceId}|${srcaddr}|${dstaddr}`);
  }

  ephemeral(): number {
    return this.random.int(32768, 60999);
  }

  /** A port from Windows' ephemeral range. */
  windowsEphemeral(): number {
    return this.random.int(49152, 65535);
  }
}

/** One lone SYN from an internet source to a host. */
function probe(
  b: CorpusBuilder,
  host: Host,
  src: string,
  port: number,
  at: number,
  packets: number,
  scenario: string,
  truth: Truth = 'scanner',
): void {
  b.add(
    {
      eni: host.eni,
      subnet: host.subnet,
      src,
      dst: host.ip,
      srcport: b.ephemeral(),
      dstport: port,
      packets,
      start: at,
      action: 'REJECT',
      flags: SYN,
      direction: 'ingress',
    },
    truth,
    scenario,
  );
}

export function generateCorpus(seed = CORPUS_SEED): Corpus {
  const snapshot = corpusSnapshot();
  const b = new CorpusBuilder(new SeededRandom(seed));
  const r = b.random;
  const web = webInstances();
  const albs: Host[] = ALB_ENIS.map((e) => ({ eni: e.id, ip: e.ip, subnet: e.subnet.id }));
  const bastion: Host = { eni: ENI.bastion.id, ip: ENI.bastion.ip, subnet: ENI.bastion.subnet.id };
  const publicHosts = [...albs, bastion, ...web];
  const at = () => CORPUS_START + r.int(0, SPAN - 120);

  // Single-SYN sweeps across the address space: one port, every public host, once.
  for (let s = 0; s < 8; s++) {
    const src = b.internetAddress();
    const port = r.pick(POPULAR_PORTS.filter((p) => p !== 443));
    const start = at();
    publicHosts.forEach((host, i) => probe(b, host, src, port, start + i, 1, 'single-SYN sweep'));
  }
  // nmap-style scans of one host: hundreds of ports, each probe retransmitted once.
  const nmapTargets = [web[0], web[1], web[2], bastion, albs[0], web[3]];
  for (const host of nmapTargets) {
    const src = b.internetAddress();
    const start = at();
    const ports = new Set<number>([8443, ...POPULAR_PORTS]);
    const count = r.int(300, 1000);
    while (ports.size < count) ports.add(r.int(1, 65535));
    [...ports].filter((p) => p !== 443).forEach((port, i) => probe(b, host, src, port, start + Math.floor(i / 20), 2, 'nmap scan'));
  }
  // Slow scans over the three days: a few probes an hour at most, from one source; some across
  // the estate, some at two hosts only, and some of those retransmitting each probe (so neither
  // the sweep nor the lone-SYN evidence holds).
  for (let s = 0; s < 9; s++) {
    const src = b.internetAddress();
    const targets = s % 3 === 0 ? publicHosts : [r.pick(web), r.pick(web)];
    const packets = s % 3 === 2 ? 2 : 1;
    for (let i = 0; i < 30; i++)
      probe(
        b,
        r.pick(targets),
        src,
        r.pick(POPULAR_PORTS.filter((p) => p !== 443 && p !== 80)),
        at(),
        packets,
        packets > 1 ? 'slow scan with retransmits' : 'slow scan',
      );
  }
  // Botnets: many sources, one port each (telnet, redis), one to three tries on one to three hosts.
  for (const [port, sources] of [
    [23, 300],
    [6379, 150],
  ] as const) {
    for (let s = 0; s < sources; s++) {
      const src = b.internetAddress();
      const hosts = Array.from({ length: r.int(1, 3) }, () => r.pick(publicHosts));
      for (const host of hosts) for (let t = r.int(1, 3); t > 0; t--) probe(b, host, src, port, at(), 1, `botnet tcp/${port}`);
    }
  }
  // Late FIN/RST after close: customers' packets to the ALB after their connection ended.
  for (let i = 0; i < 40; i++) {
    const alb = r.pick(albs);
    const src = `192.0.2.${r.int(1, 254)}`;
    b.add(
      {
        eni: alb.eni,
        subnet: alb.subnet,
        src,
        dst: alb.ip,
        srcport: b.ephemeral(),
        dstport: 443,
        packets: 1,
        start: at(),
        action: 'REJECT',
        flags: r.chance(0.3) ? FIN_ACK : RST,
        direction: 'ingress',
      },
      'late-close',
      'late FIN/RST',
    );
  }

  const every = (seconds: number, fn: (t: number) => void) => {
    for (let t = CORPUS_START + r.int(0, seconds - 1); t < CORPUS_START + SPAN - 60; t += seconds) fn(t);
  };
  // Internal clients retrying a refused service: the app tier connects to a pooler on tcp/6432 of
  // the database host, which the db NACL does not open; each attempt is a SYN sent three times.
  const rds = { eni: ENI.rdsPrimary.id, ip: ENI.rdsPrimary.ip, subnet: ENI.rdsPrimary.subnet.id };
  for (const client of APP_ENIS.slice(0, 3)) {
    every(600, (t) =>
      b.add(
        {
          eni: rds.eni,
          subnet: rds.subnet,
          src: client.ip,
          dst: rds.ip,
          srcport: b.ephemeral(),
          dstport: 6432,
          packets: 3,
          start: t,
          action: 'REJECT',
          flags: SYN,
          direction: 'ingress',
        },
        'misconfiguration',
        'internal client retrying a refused service',
      ),
    );
  }
  // A NACL gap on return traffic: the app NACL admits replies only on 49152-65535, Linux uses
  // 32768-60999, so replies to lower ports are dropped; the outbound SYNs are accepted.
  for (const app of APP_ENIS) {
    every(900, (t) => {
      const server = r.pick(PEERS.externalApis);
      const port = r.int(32768, 49151);
      b.add(
        {
          eni: app.id,
          subnet: app.subnet.id,
          src: app.ip,
          dst: server,
          srcport: port,
          dstport: 443,
          packets: 1,
          start: t,
          action: 'ACCEPT',
          flags: SYN,
          direction: 'egress',
        },
        null,
        'NACL gap on return traffic',
      );
      b.add(
        {
          eni: app.id,
          subnet: app.subnet.id,
          src: server,
          dst: app.ip,
          srcport: 443,
          dstport: port,
          packets: 2,
          start: t,
          action: 'REJECT',
          flags: SYN_ACK,
          direction: 'ingress',
        },
        'misconfiguration',
        'NACL gap on return traffic',
      );
    });
  }
  // Load-balancer health checks on tcp/8081, which the web group does not open (targets look down).
  for (const alb of albs) {
    for (const target of web.slice(0, 5)) {
      every(1800, (t) =>
        b.add(
          {
            eni: target.eni,
            subnet: target.subnet,
            src: alb.ip,
            dst: target.ip,
            srcport: b.ephemeral(),
            dstport: 8081,
            packets: 3,
            start: t,
            action: 'REJECT',
            flags: SYN,
            direction: 'ingress',
          },
          'misconfiguration',
          'load-balancer health check refused',
        ),
      );
      every(1800, (t) =>
        b.add(
          {
            eni: target.eni,
            subnet: target.subnet,
            src: alb.ip,
            dst: target.ip,
            srcport: b.ephemeral(),
            dstport: 8080,
            packets: 6,
            start: t,
            action: 'ACCEPT',
            flags: SYN | 16,
            direction: 'ingress',
          },
          null,
          'load-balancer traffic',
        ),
      );
    }
  }
  // Real traffic a scanner also hits: partners call tcp/8443 on the first web hosts, which the
  // web group opens to the corporate VPN only (admins use it, accepted); nmap scans of the same
  // hosts probe 8443 too.
  const partners = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];
  for (const host of web.slice(0, 3)) {
    for (const partner of partners) {
      every(3600, (t) =>
        b.add(
          {
            eni: host.eni,
            subnet: host.subnet,
            src: partner,
            dst: host.ip,
            srcport: b.ephemeral(),
            dstport: 8443,
            packets: 3,
            start: t,
            action: 'REJECT',
            flags: SYN,
            direction: 'ingress',
          },
          'misconfiguration',
          'partner refused on a port a scanner also hits',
        ),
      );
    }
    every(7200, (t) =>
      b.add(
        {
          eni: host.eni,
          subnet: host.subnet,
          src: PEERS.corpAdmins[0],
          dst: host.ip,
          srcport: b.ephemeral(),
          dstport: 8443,
          packets: 12,
          start: t,
          action: 'ACCEPT',
          flags: 27,
          direction: 'ingress',
        },
        null,
        'admins',
      ),
    );
  }
  // A new partner refused on a port nothing else uses: repeated, retransmitted attempts from two
  // internet addresses and no other evidence either way.
  for (const partner of ['192.0.2.20', '192.0.2.21']) {
    const host = web[5];
    every(3600, (t) =>
      b.add(
        {
          eni: host.eni,
          subnet: host.subnet,
          src: partner,
          dst: host.ip,
          srcport: b.ephemeral(),
          dstport: 9443,
          packets: 3,
          start: t,
          action: 'REJECT',
          flags: SYN,
          direction: 'ingress',
        },
        'misconfiguration',
        'new partner on a closed port, no other evidence',
      ),
    );
  }
  // Customers on 443, accepted.
  for (const host of [...albs, ...web.slice(0, 10)]) {
    every(1200, (t) =>
      b.add(
        {
          eni: host.eni,
          subnet: host.subnet,
          src: `192.0.2.${r.int(1, 254)}`,
          dst: host.ip,
          srcport: b.ephemeral(),
          dstport: 443,
          packets: 10,
          start: t,
          action: 'ACCEPT',
          flags: 27,
          direction: 'ingress',
        },
        null,
        'customers',
      ),
    );
  }
  // The first web hosts call HTTPS APIs: the request goes out accepted, the reply from 443 comes back accepted.
  for (const host of web.slice(0, 6)) {
    every(1800, (t) => {
      const server = r.pick(PEERS.externalApis);
      const port = b.ephemeral();
      const connection = { eni: host.eni, subnet: host.subnet, packets: 8, start: t, action: 'ACCEPT' } as const;
      b.add(
        { ...connection, src: host.ip, dst: server, srcport: port, dstport: 443, flags: SYN | FIN, direction: 'egress' },
        null,
        'HTTPS calls',
      );
      b.add(
        { ...connection, src: server, dst: host.ip, srcport: 443, dstport: port, flags: SYN_ACK | FIN, direction: 'ingress' },
        null,
        'HTTPS calls',
      );
    });
  }
  // Scanners sending from a service port to high ports of the web hosts that take customers (some
  // of which call HTTPS APIs), so a stateless filter would take the probes for replies: some as
  // lone SYNs (nmap -g), some without SYN (ACK probes), some retransmitted. No request of the hosts
  // answers to them.
  for (const [srcport, flags, packets] of [
    [443, SYN, 1],
    [443, NO_FLAGS, 2],
    [443, NO_FLAGS, 1],
    [80, SYN, 2],
    [80, NO_FLAGS, 1],
  ] as const) {
    const src = b.internetAddress();
    const targets = Array.from({ length: r.int(3, 6) }, () => r.pick(web.slice(0, 10)));
    for (let i = 0; i < 40; i++) {
      const host = r.pick(targets);
      b.add(
        {
          eni: host.eni,
          subnet: host.subnet,
          src,
          dst: host.ip,
          srcport,
          dstport: r.int(1024, 65535),
          packets,
          start: at(),
          action: 'REJECT',
          flags,
          direction: 'ingress',
        },
        'scanner',
        `service-port source tcp/${srcport}`,
      );
    }
  }
  // A sweep from udp/53 to a high port of every web host, twice, as if answering DNS queries.
  const dnsSweeper = b.internetAddress();
  for (let pass = 0; pass < 2; pass++) {
    const start = at();
    web.forEach((host, i) =>
      b.add(
        {
          eni: host.eni,
          subnet: host.subnet,
          protocol: UDP,
          src: dnsSweeper,
          dst: host.ip,
          srcport: 53,
          dstport: r.int(1024, 65535),
          packets: 1,
          start: start + i,
          action: 'REJECT',
          flags: NO_FLAGS,
          direction: 'ingress',
        },
        'scanner',
        'service-port source udp/53',
      ),
    );
  }
  // A NACL gap on a Windows host's replies: it calls HTTPS APIs from 49152-65535, the batch NACL
  // admits internet replies on 32768-60999 only, so the answers to ports above 60999 are dropped
  // (the server retransmits its SYN-ACK, the host its SYN) while the others are accepted.
  every(600, (t) => {
    const server = r.pick(PEERS.externalApis);
    const port = b.windowsEphemeral();
    const dropped = port > 60999;
    const connection = { eni: WINDOWS_WEB.eni, subnet: WINDOWS_WEB.subnet, start: t } as const;
    b.add(
      {
        ...connection,
        src: WINDOWS_WEB.ip,
        dst: server,
        srcport: port,
        dstport: 443,
        packets: dropped ? 3 : 8,
        action: 'ACCEPT',
        flags: dropped ? SYN : SYN | FIN,
        direction: 'egress',
      },
      null,
      'NACL gap on return traffic of a Windows host',
    );
    b.add(
      {
        ...connection,
        src: server,
        dst: WINDOWS_WEB.ip,
        srcport: 443,
        dstport: port,
        packets: dropped ? 2 : 10,
        action: dropped ? 'REJECT' : 'ACCEPT',
        flags: dropped ? SYN_ACK : SYN_ACK | FIN,
        direction: 'ingress',
      },
      'misconfiguration',
      'NACL gap on return traffic of a Windows host',
    );
  });
  return { snapshot, records: b.records, truthOf: (eni, src, dst) => b.label(eni, src, dst) };
}
