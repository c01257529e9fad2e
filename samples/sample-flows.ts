import { SeededRandom } from './seeded-random';
import { ALB_ENIS, APP_ENIS, BATCH_ENIS, DAY_START, ENI, EniSpec, FLOW_LOG, LAMBDA_ENIS, NOISE_PROBE_PORTS, PEERS } from './scenario';

export type LogKey = keyof typeof FLOW_LOG;

/** One generated flow-log record, captured at one interface, before it is written out. */
export interface SampleRecord {
  log: LogKey;
  eni: EniSpec;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: 'ACCEPT' | 'REJECT';
  tcpFlags: number;
  direction: 'ingress' | 'egress';
  /** Only egress records carry a traffic path (1 in-VPC, 4 peering, 8 internet gateway). */
  trafficPath: number | null;
  /** Scenario key from scenario.ts ('A'…'G', 'N1'…'N6'); null for legitimate accepted traffic. */
  scenario: string | null;
}

export interface NoDataRecord {
  log: LogKey;
  eni: EniSpec;
  start: number;
  end: number;
  status: 'NODATA' | 'SKIPDATA';
}

interface Endpoint {
  addr: string;
  port: number;
}
interface Shape {
  reqPackets: number;
  reqBytes: number;
  respPackets: number;
  respBytes: number;
  reqFlags: number;
  respFlags: number;
}

// TCP flag bitmasks as flow logs report them (ACK alone is never reported).
const FIN = 1;
const SYN = 2;
const RST = 4;
const SYN_ACK = 18;

const TCP = 6;
const ICMP = 1;
const PATH_VPC = 1;
const PATH_PEERING = 4;
const PATH_IGW = 8;

const HOUR = 3600;
/** Relative traffic by UTC hour for customer-driven load (European shop). */
const DIURNAL = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 9, 9, 8, 8, 8, 9, 10, 10, 9, 7, 5, 3];
const DIURNAL_SUM = DIURNAL.reduce((a, b) => a + b, 0);

/** End of the 60-second aggregation window a packet at `t` falls into. */
const windowEnd = (t: number): number => Math.floor(t / 60) * 60 + 60;

/**
 * Generates one day of flow-log records for the sample scenario. Each method adds one kind of
 * traffic and records it at every interface that would capture it, in the direction relative to
 * that interface, the way VPC Flow Logs capture at ENI level.
 */
export class SampleFlowGenerator {
  readonly records: SampleRecord[] = [];
  readonly noData: NoDataRecord[] = [];

  constructor(private readonly rnd: SeededRandom) {}

  generate(): void {
    this.customersThroughAlb();
    this.appToDatabase();
    this.appToInternet();
    this.appToInternetIpv6();
    this.batchToDatabase();
    this.lambdaTraffic();
    this.adminSsh();
    this.monitoring();
    this.batchToAppAdminApi();
    this.appToRedis();
    this.lambdaToPartner();
    this.adminSshIpv6();
    this.portScans();
    this.probes();
    this.hostSweep();
    this.ipv6Scan();
    this.lateFinRst();
    this.idleInterfaces();
  }

  // ----- helpers ------------------------------------------------------------------------------

  /** A time within the day, spread over the hours in proportion to `weights`. */
  private timeWeighted(weights: number[] = DIURNAL, sum = DIURNAL_SUM): number {
    let x = this.rnd.next() * sum;
    let hour = 0;
    while (hour < 23 && x >= (weights[hour] ?? 0)) {
      x -= weights[hour] ?? 0;
      hour++;
    }
    return DAY_START + hour * HOUR + this.rnd.int(0, HOUR - 1);
  }

  /** A time within the day, keeping clear of midnight so every window ends on the same day. */
  private anyTime(): number {
    return DAY_START + this.rnd.int(0, 24 * HOUR - 121);
  }

  private linuxPort(): number {
    return this.rnd.int(32768, 60999);
  }
  private anyClientPort(): number {
    return this.rnd.chance(0.5) ? this.rnd.int(49152, 65535) : this.rnd.int(32768, 60999);
  }
  private natPort(): number {
    return this.rnd.int(1024, 65535);
  }

  private add(r: Omit<SampleRecord, 'end' | 'log'> & { end?: number; log?: LogKey }): void {
    this.records.push({ ...r, log: r.log ?? 'shop', end: r.end ?? windowEnd(r.start) });
  }

  /** A completed request/response exchange seen at one interface, on the client or server side. */
  private exchange(
    at: EniSpec,
    side: 'client' | 'server',
    client: Endpoint,
    server: Endpoint,
    t: number,
    shape: Shape,
    pathOut: number,
    protocol = TCP,
    scenario: string | null = null,
  ): void {
    const request = {
      srcaddr: client.addr,
      dstaddr: server.addr,
      srcport: client.port,
      dstport: server.port,
      packets: shape.reqPackets,
      bytes: shape.reqBytes,
      tcpFlags: protocol === TCP ? shape.reqFlags : 0,
    };
    const response = {
      srcaddr: server.addr,
      dstaddr: client.addr,
      srcport: server.port,
      dstport: client.port,
      packets: shape.respPackets,
      bytes: shape.respBytes,
      tcpFlags: protocol === TCP ? shape.respFlags : 0,
    };
    const [outbound, inbound] = side === 'client' ? [request, response] : [response, request];
    this.add({ eni: at, ...outbound, protocol, start: t, action: 'ACCEPT', direction: 'egress', trafficPath: pathOut, scenario });
    this.add({ eni: at, ...inbound, protocol, start: t, action: 'ACCEPT', direction: 'ingress', trafficPath: null, scenario });
  }

  private webShape(): Shape {
    const reqPackets = this.rnd.int(6, 30);
    const respPackets = this.rnd.int(8, 60);
    return {
      reqPackets,
      reqBytes: reqPackets * this.rnd.int(90, 700),
      respPackets,
      respBytes: respPackets * this.rnd.int(600, 1400),
      reqFlags: SYN | FIN,
      respFlags: SYN_ACK | FIN,
    };
  }

  private smallShape(): Shape {
    const reqPackets = this.rnd.int(4, 12);
    const respPackets = this.rnd.int(3, 10);
    return {
      reqPackets,
      reqBytes: reqPackets * this.rnd.int(70, 400),
      respPackets,
      respBytes: respPackets * this.rnd.int(70, 900),
      reqFlags: SYN | FIN,
      respFlags: SYN_ACK | FIN,
    };
  }

  /** SYNs that got no answer: the retransmissions of one attempt within a window. */
  private synRetries(): { packets: number; bytes: number } {
    const packets = this.rnd.int(2, 4);
    return { packets, bytes: packets * 60 };
  }

  private customerAddress(ipv6: boolean): string {
    return ipv6
      ? `2001:db8:1000:${this.rnd.int(1, 0xfff).toString(16)}::${this.rnd.int(1, 0xffff).toString(16)}`
      : `192.0.2.${this.rnd.int(1, 254)}`;
  }

  // ----- legitimate traffic -------------------------------------------------------------------

  /** Customers reach the ALB on 443 (and 80, redirected); the ALB forwards 443 to the app on 8080. */
  private customersThroughAlb(): void {
    for (let i = 0; i < 900; i++) {
      const t = this.timeWeighted();
      const alb = this.rnd.pick(ALB_ENIS);
      const ipv6 = this.rnd.chance(0.2);
      const customer = { addr: this.customerAddress(ipv6), port: this.anyClientPort() };
      const port = this.rnd.chance(0.1) ? 80 : 443;
      const albAddr = ipv6 ? (alb.ipv6 as string) : alb.ip;
      this.exchange(alb, 'server', customer, { addr: albAddr, port }, t, port === 80 ? this.smallShape() : this.webShape(), PATH_IGW);
      if (port === 80) continue;
      const app = this.rnd.pick(APP_ENIS);
      const shape = this.webShape();
      const albSide = { addr: alb.ip, port: this.natPort() };
      const target = { addr: app.ip, port: 8080 };
      this.exchange(alb, 'client', albSide, target, t, shape, PATH_VPC);
      this.exchange(app, 'server', albSide, target, t, shape, PATH_VPC);
    }
  }

  private appToDatabase(): void {
    for (let i = 0; i < 150; i++) {
      const t = this.timeWeighted();
      const app = this.rnd.pick(APP_ENIS);
      const client = { addr: app.ip, port: this.linuxPort() };
      const server = { addr: ENI.rdsPrimary.ip, port: 5432 };
      const shape = this.webShape();
      this.exchange(app, 'client', client, server, t, shape, PATH_VPC);
      this.exchange(ENI.rdsPrimary, 'server', client, server, t, shape, PATH_VPC);
    }
  }

  /**
   * The app servers call HTTPS APIs on the internet through the NAT gateway. The replies come
   * back to the app ENI from the server's address (the NAT gateway translates only the app side).
   * When the app picked a source port below 49152, the app NACL drops the reply (scenario C).
   */
  private appToInternet(): void {
    for (let i = 0; i < 420; i++) {
      const t = this.timeWeighted();
      const app = this.rnd.pick(APP_ENIS);
      const api = { addr: this.rnd.pick(PEERS.externalApis), port: 443 };
      const client = { addr: app.ip, port: this.linuxPort() };
      const natSide = { addr: ENI.nat.ip, port: this.natPort() };
      const rejected = client.port < 49152;
      const shape: Shape = rejected
        ? (() => {
            const s = this.synRetries();
            return {
              reqPackets: s.packets,
              reqBytes: s.bytes,
              respPackets: s.packets,
              respBytes: s.bytes,
              reqFlags: SYN,
              respFlags: SYN_ACK,
            };
          })()
        : this.webShape();
      // App ENI: the request leaves for the NAT gateway; the reply arrives from the API server.
      this.add({
        eni: app,
        srcaddr: client.addr,
        dstaddr: api.addr,
        srcport: client.port,
        dstport: 443,
        protocol: TCP,
        packets: shape.reqPackets,
        bytes: shape.reqBytes,
        tcpFlags: shape.reqFlags,
        start: t,
        action: 'ACCEPT',
        direction: 'egress',
        trafficPath: PATH_VPC,
        scenario: null,
      });
      this.add({
        eni: app,
        srcaddr: api.addr,
        dstaddr: client.addr,
        srcport: 443,
        dstport: client.port,
        protocol: TCP,
        packets: shape.respPackets,
        bytes: shape.respBytes,
        tcpFlags: shape.respFlags,
        start: t,
        action: rejected ? 'REJECT' : 'ACCEPT',
        direction: 'ingress',
        trafficPath: null,
        scenario: rejected ? 'C' : null,
      });
      // NAT gateway ENI: four records, both sides of the translation.
      const nat = ENI.nat;
      this.add({
        eni: nat,
        srcaddr: client.addr,
        dstaddr: api.addr,
        srcport: client.port,
        dstport: 443,
        protocol: TCP,
        packets: shape.reqPackets,
        bytes: shape.reqBytes,
        tcpFlags: shape.reqFlags,
        start: t,
        action: 'ACCEPT',
        direction: 'ingress',
        trafficPath: null,
        scenario: null,
      });
      this.add({
        eni: nat,
        srcaddr: natSide.addr,
        dstaddr: api.addr,
        srcport: natSide.port,
        dstport: 443,
        protocol: TCP,
        packets: shape.reqPackets,
        bytes: shape.reqBytes,
        tcpFlags: shape.reqFlags,
        start: t,
        action: 'ACCEPT',
        direction: 'egress',
        trafficPath: PATH_IGW,
        scenario: null,
      });
      this.add({
        eni: nat,
        srcaddr: api.addr,
        dstaddr: natSide.addr,
        srcport: 443,
        dstport: natSide.port,
        protocol: TCP,
        packets: shape.respPackets,
        bytes: shape.respBytes,
        tcpFlags: shape.respFlags,
        start: t,
        action: 'ACCEPT',
        direction: 'ingress',
        trafficPath: null,
        scenario: null,
      });
      this.add({
        eni: nat,
        srcaddr: api.addr,
        dstaddr: client.addr,
        srcport: 443,
        dstport: client.port,
        protocol: TCP,
        packets: shape.respPackets,
        bytes: shape.respBytes,
        tcpFlags: shape.respFlags,
        start: t,
        action: 'ACCEPT',
        direction: 'egress',
        trafficPath: PATH_VPC,
        scenario: null,
      });
    }
  }

  /** IPv6 calls leave through the egress-only internet gateway; rule 121 lets replies in. */
  private appToInternetIpv6(): void {
    for (let i = 0; i < 60; i++) {
      const t = this.timeWeighted();
      const app = this.rnd.pick(APP_ENIS);
      const client = { addr: app.ipv6 as string, port: this.linuxPort() };
      const server = { addr: this.rnd.pick(PEERS.externalApisIpv6), port: 443 };
      this.exchange(app, 'client', client, server, t, this.webShape(), PATH_IGW);
    }
  }

  private batchToDatabase(): void {
    for (let i = 0; i < 80; i++) {
      const t = this.anyTime();
      const batch = this.rnd.pick(BATCH_ENIS);
      const client = { addr: batch.ip, port: this.linuxPort() };
      const server = { addr: ENI.rdsPrimary.ip, port: 5432 };
      const shape = this.webShape();
      this.exchange(batch, 'client', client, server, t, shape, PATH_VPC);
      this.exchange(ENI.rdsPrimary, 'server', client, server, t, shape, PATH_VPC);
    }
  }

  /** The orders-worker Lambda polls SQS through the interface endpoint and writes to PostgreSQL. */
  private lambdaTraffic(): void {
    for (let i = 0; i < 250; i++) {
      const t = this.timeWeighted();
      const lambda = this.rnd.pick(LAMBDA_ENIS);
      const endpoint = this.rnd.chance(0.7)
        ? lambda === ENI.lambdaA
          ? ENI.endpointA
          : ENI.endpointB
        : this.rnd.pick([ENI.endpointA, ENI.endpointB]);
      const client = { addr: lambda.ip, port: this.linuxPort() };
      const server = { addr: endpoint.ip, port: 443 };
      const shape = this.smallShape();
      this.exchange(lambda, 'client', client, server, t, shape, PATH_VPC);
      this.exchange(endpoint, 'server', client, server, t, shape, PATH_VPC);
    }
    for (let i = 0; i < 120; i++) {
      const t = this.timeWeighted();
      const lambda = this.rnd.pick(LAMBDA_ENIS);
      const client = { addr: lambda.ip, port: this.linuxPort() };
      const server = { addr: ENI.rdsPrimary.ip, port: 5432 };
      const shape = this.smallShape();
      this.exchange(lambda, 'client', client, server, t, shape, PATH_VPC);
      this.exchange(ENI.rdsPrimary, 'server', client, server, t, shape, PATH_VPC);
    }
  }

  /** Administrators on the corporate VPN (IPv4) reach the bastion and hop on to instances. */
  private adminSsh(): void {
    const workHours = DIURNAL.map((_, h) => (h >= 7 && h <= 17 ? 1 : 0));
    for (let i = 0; i < 14; i++) {
      const t = this.timeWeighted(workHours, 11);
      const admin = { addr: this.rnd.pick(PEERS.corpAdmins), port: this.anyClientPort() };
      const shape = this.webShape();
      this.exchange(ENI.bastion, 'server', admin, { addr: ENI.bastion.ip, port: 22 }, t, shape, PATH_IGW);
      const target = this.rnd.pick([...APP_ENIS, ...BATCH_ENIS]);
      const hop = { addr: ENI.bastion.ip, port: this.linuxPort() };
      const sshd = { addr: target.ip, port: 22 };
      const hopShape = this.webShape();
      this.exchange(ENI.bastion, 'client', hop, sshd, t + 5, hopShape, PATH_VPC);
      this.exchange(target, 'server', hop, sshd, t + 5, hopShape, PATH_VPC);
    }
  }

  /**
   * Prometheus in the peered shared-services VPC scrapes node exporters (9100) every 10 minutes
   * and runs ICMP probes against the app servers every hour, which the app ENIs reject (scenario F:
   * the only ICMP rule is for echo requests, and flow logs do not say which type was sent; no ICMP
   * is accepted there, so nothing suggests these are replies). Its scrapes of the batch exporter on 9102 are refused by its own SG egress
   * (scenario G, seen only in the shared-services flow log, which logs REJECT only).
   */
  private monitoring(): void {
    const mon = ENI.monitoring;
    for (let slot = 0; slot < 144; slot++) {
      const base = DAY_START + slot * 600;
      for (const target of [...APP_ENIS, ...BATCH_ENIS]) {
        const t = base + this.rnd.int(0, 30);
        const client = { addr: mon.ip, port: this.linuxPort() };
        const server = { addr: target.ip, port: 9100 };
        const packets = this.rnd.int(6, 10);
        this.exchange(
          target,
          'server',
          client,
          server,
          t,
          {
            reqPackets: packets,
            reqBytes: packets * 110,
            respPackets: packets + 4,
            respBytes: (packets + 4) * this.rnd.int(900, 1400),
            reqFlags: SYN | FIN,
            respFlags: SYN_ACK | FIN,
          },
          PATH_PEERING,
        );
      }
      for (const batch of BATCH_ENIS) {
        const s = this.synRetries();
        this.add({
          log: 'shared',
          eni: mon,
          srcaddr: mon.ip,
          dstaddr: batch.ip,
          srcport: this.linuxPort(),
          dstport: 9102,
          protocol: TCP,
          packets: s.packets,
          bytes: s.bytes,
          tcpFlags: SYN,
          start: base + this.rnd.int(0, 30),
          action: 'REJECT',
          direction: 'egress',
          trafficPath: PATH_PEERING,
          scenario: 'G',
        });
      }
      if (slot % 6 === 3) {
        for (const app of APP_ENIS) {
          const packets = this.rnd.int(1, 3);
          this.add({
            eni: app,
            srcaddr: mon.ip,
            dstaddr: app.ip,
            srcport: 0,
            dstport: 0,
            protocol: ICMP,
            packets,
            bytes: packets * 40,
            tcpFlags: 0,
            start: base + this.rnd.int(60, 120),
            action: 'REJECT',
            direction: 'ingress',
            trafficPath: null,
            scenario: 'F',
          });
        }
      }
    }
  }

  // ----- overly restrictive rules -------------------------------------------------------------

  /** Scenario A: batch jobs call the app servers' admin API on 8443 every 20 minutes. */
  private batchToAppAdminApi(): void {
    for (let slot = 0; slot < 72; slot++) {
      for (const batch of BATCH_ENIS) {
        const t = DAY_START + slot * 1200 + this.rnd.int(0, 600);
        const app = this.rnd.pick(APP_ENIS);
        const s = this.synRetries();
        const port = this.linuxPort();
        this.add({
          eni: batch,
          srcaddr: batch.ip,
          dstaddr: app.ip,
          srcport: port,
          dstport: 8443,
          protocol: TCP,
          packets: s.packets,
          bytes: s.bytes,
          tcpFlags: SYN,
          start: t,
          action: 'ACCEPT',
          direction: 'egress',
          trafficPath: PATH_VPC,
          scenario: null,
        });
        this.add({
          eni: app,
          srcaddr: batch.ip,
          dstaddr: app.ip,
          srcport: port,
          dstport: 8443,
          protocol: TCP,
          packets: s.packets,
          bytes: s.bytes,
          tcpFlags: SYN,
          start: t,
          action: 'REJECT',
          direction: 'ingress',
          trafficPath: null,
          scenario: 'A',
        });
      }
    }
  }

  /** Scenario B: every app server tries the Redis primary in the db subnet every 30 minutes. */
  private appToRedis(): void {
    for (let slot = 0; slot < 48; slot++) {
      for (const app of APP_ENIS) {
        const t = DAY_START + slot * 1800 + this.rnd.int(0, 1200);
        const s = this.synRetries();
        const port = this.linuxPort();
        const redis = ENI.redisPrimary;
        this.add({
          eni: app,
          srcaddr: app.ip,
          dstaddr: redis.ip,
          srcport: port,
          dstport: 6379,
          protocol: TCP,
          packets: s.packets,
          bytes: s.bytes,
          tcpFlags: SYN,
          start: t,
          action: 'ACCEPT',
          direction: 'egress',
          trafficPath: PATH_VPC,
          scenario: null,
        });
        this.add({
          eni: redis,
          srcaddr: app.ip,
          dstaddr: redis.ip,
          srcport: port,
          dstport: 6379,
          protocol: TCP,
          packets: s.packets,
          bytes: s.bytes,
          tcpFlags: SYN,
          start: t,
          action: 'REJECT',
          direction: 'ingress',
          trafficPath: null,
          scenario: 'B',
        });
      }
    }
  }

  /** Scenario D: the Lambda's calls to the partner API are refused at its own ENI on the way out. */
  private lambdaToPartner(): void {
    for (let i = 0; i < 110; i++) {
      const t = this.timeWeighted();
      const lambda = this.rnd.pick(LAMBDA_ENIS);
      const s = this.synRetries();
      this.add({
        eni: lambda,
        srcaddr: lambda.ip,
        dstaddr: this.rnd.pick(PEERS.partnerApi),
        srcport: this.linuxPort(),
        dstport: 8443,
        protocol: TCP,
        packets: s.packets,
        bytes: s.bytes,
        tcpFlags: SYN,
        start: t,
        action: 'REJECT',
        direction: 'egress',
        trafficPath: PATH_VPC,
        scenario: 'D',
      });
    }
  }

  /** Scenario E: administrators on IPv6 try SSH to the bastion during working hours. */
  private adminSshIpv6(): void {
    const workHours = DIURNAL.map((_, h) => (h >= 7 && h <= 17 ? 1 : 0));
    for (let i = 0; i < 30; i++) {
      const t = this.timeWeighted(workHours, 11);
      const s = this.synRetries();
      this.add({
        eni: ENI.bastion,
        srcaddr: this.rnd.pick(PEERS.corpAdminsIpv6),
        dstaddr: ENI.bastion.ipv6 as string,
        srcport: this.anyClientPort(),
        dstport: 22,
        protocol: TCP,
        packets: s.packets,
        bytes: s.bytes + s.packets * 20,
        tcpFlags: SYN,
        start: t,
        action: 'REJECT',
        direction: 'ingress',
        trafficPath: null,
        scenario: 'E',
      });
    }
  }

  // ----- noise --------------------------------------------------------------------------------

  /** One SYN from a scanner; the open ports (80/443 on the ALB) answer and are reset by the scanner. */
  private probe(at: EniSpec, src: string, dst: string, dstport: number, t: number, scenario: string, open: boolean): void {
    const srcport = this.rnd.int(1024, 65535);
    if (open) {
      this.add({
        eni: at,
        srcaddr: src,
        dstaddr: dst,
        srcport,
        dstport,
        protocol: TCP,
        packets: 2,
        bytes: 84,
        tcpFlags: SYN | RST,
        start: t,
        action: 'ACCEPT',
        direction: 'ingress',
        trafficPath: null,
        scenario: null,
      });
      this.add({
        eni: at,
        srcaddr: dst,
        dstaddr: src,
        srcport: dstport,
        dstport: srcport,
        protocol: TCP,
        packets: 1,
        bytes: 44,
        tcpFlags: SYN_ACK,
        start: t,
        action: 'ACCEPT',
        direction: 'egress',
        trafficPath: PATH_IGW,
        scenario: null,
      });
      return;
    }
    this.add({
      eni: at,
      srcaddr: src,
      dstaddr: dst,
      srcport,
      dstport,
      protocol: TCP,
      packets: 1,
      bytes: dst.includes(':') ? 64 : 44,
      tcpFlags: SYN,
      start: t,
      action: 'REJECT',
      direction: 'ingress',
      trafficPath: null,
      scenario,
    });
  }

  private scanPorts(count: number): number[] {
    const ports = new Set<number>([21, 22, 23, 25, 80, 110, 135, 139, 443, 445, 1433, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200]);
    while (ports.size < count) ports.add(this.rnd.chance(0.6) ? this.rnd.int(1, 1023) : this.rnd.int(1024, 65535));
    return [...ports].sort((a, b) => a - b);
  }

  /** N1 and N2: two vertical scans, one of the ALB, one of the bastion. */
  private portScans(): void {
    let t = DAY_START + 3 * HOUR + 12 * 60;
    for (const port of this.scanPorts(400)) {
      t += this.rnd.int(0, 1);
      this.probe(ENI.albA, PEERS.albScanner, ENI.albA.ip, port, t, 'N1', port === 80 || port === 443);
    }
    t = DAY_START + 14 * HOUR + 37 * 60;
    for (const port of this.scanPorts(250)) {
      t += this.rnd.int(0, 2);
      this.probe(ENI.bastion, PEERS.bastionScanner, ENI.bastion.ip, port, t, 'N2', false);
    }
  }

  /** N3: background single-packet probes from many addresses. */
  private probes(): void {
    const reserved = new Set([45, 66, 91]);
    const sources: string[] = [];
    while (sources.length < 40) {
      const host = this.rnd.int(1, 254);
      const addr = `203.0.113.${host}`;
      if (!reserved.has(host) && !sources.includes(addr)) sources.push(addr);
    }
    for (const src of sources) {
      const attempts = this.rnd.int(1, 4);
      for (let i = 0; i < attempts; i++) {
        const target = this.rnd.pick([ENI.albA, ENI.albB, ENI.bastion]);
        this.probe(target, src, target.ip, this.rnd.pick(NOISE_PROBE_PORTS), this.anyTime(), 'N3', false);
      }
    }
  }

  /** N4: one source walks every public address on two ports. */
  private hostSweep(): void {
    let t = DAY_START + 9 * HOUR + 5 * 60;
    for (const port of [23, 3389]) {
      for (const target of [ENI.albA, ENI.albB, ENI.bastion]) {
        t += 1;
        this.probe(target, PEERS.sweeper, target.ip, port, t, 'N4', false);
      }
    }
  }

  /** N5: an IPv6 scan of the ALB's addresses. */
  private ipv6Scan(): void {
    let t = DAY_START + 19 * HOUR + 40 * 60;
    for (const alb of ALB_ENIS) {
      for (const port of [22, 23, 445, 3389, 8080, 8443]) {
        t += this.rnd.int(0, 2);
        this.probe(alb, PEERS.ipv6Scanner, alb.ipv6 as string, port, t, 'N5', false);
      }
    }
  }

  /** N6: FIN or RST packets that arrive after the connection was closed and forgotten. */
  private lateFinRst(): void {
    for (let i = 0; i < 12; i++) {
      const alb = this.rnd.pick(ALB_ENIS);
      this.add({
        eni: alb,
        srcaddr: this.customerAddress(false),
        dstaddr: alb.ip,
        srcport: this.anyClientPort(),
        dstport: 443,
        protocol: TCP,
        packets: 1,
        bytes: 40,
        tcpFlags: this.rnd.chance(0.5) ? FIN : RST,
        start: this.timeWeighted(),
        action: 'REJECT',
        direction: 'ingress',
        trafficPath: null,
        scenario: 'N6',
      });
    }
    for (let i = 0; i < 8; i++) {
      const alb = this.rnd.pick(ALB_ENIS);
      const app = this.rnd.pick(APP_ENIS);
      this.add({
        eni: app,
        srcaddr: alb.ip,
        dstaddr: app.ip,
        srcport: this.natPort(),
        dstport: 8080,
        protocol: TCP,
        packets: 1,
        bytes: 40,
        tcpFlags: RST,
        start: this.timeWeighted(),
        action: 'REJECT',
        direction: 'ingress',
        trafficPath: null,
        scenario: 'N6',
      });
    }
  }

  /** Interfaces with nothing to report still produce NODATA lines; one capture window was skipped. */
  private idleInterfaces(): void {
    for (let hour = 0; hour < 24; hour++) {
      for (const eni of [ENI.rdsStandby, ENI.redisReplica]) {
        const start = DAY_START + hour * HOUR + this.rnd.int(0, 300);
        this.noData.push({ log: 'shop', eni, start, end: start + 60, status: 'NODATA' });
      }
    }
    const skipped = DAY_START + 11 * HOUR + 20 * 60;
    this.noData.push({ log: 'shop', eni: ENI.endpointB, start: skipped, end: skipped + 60, status: 'SKIPDATA' });
  }
}
