import { type ExplainedFlow, localAddressOf, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { requestedPortRangeOf, servicePortOf } from '../findings/service-port.util';
import type { FlowAggregate } from '../flow-log/flow-record';
import { servicePortSide } from '../evaluate/flow-ports';
import { ipv4Value } from '../ip/ip-address';
import { SIGNAL_THRESHOLDS } from './signals';

/**
 * The rejected requests of one source: the services it asked for on each host it reached. Most
 * sources (hundreds of thousands in a day of internet scans) ask one host for one service, so the
 * first host's services are held in two fields, a service as one text until there is a second,
 * and a map is made only for a second host.
 */
class SourceActivity {
  private readonly firstHost: string;
  private firstServices: string | Set<string>;
  private otherHosts: Map<string, string | Set<string>> | null = null;
  maxPortsOnOneHost = 1;

  constructor(host: string, service: string) {
    this.firstHost = host;
    this.firstServices = service;
  }

  get hostsReached(): number {
    return 1 + (this.otherHosts?.size ?? 0);
  }

  /**
   * One probe of `host`: its service, and how many distinct ports it stands for (more than one for
   * an aggregate whose destination ports were collapsed into a range; see probedPortCount).
   */
  add(host: string, service: string, ports = 1): void {
    if (host === this.firstHost) {
      this.firstServices = this.withService(this.firstServices, service);
      this.countRange(this.firstServices, ports);
      return;
    }
    this.otherHosts ??= new Map();
    const seen = this.otherHosts.get(host);
    const services = seen === undefined ? service : this.withService(seen, service);
    this.otherHosts.set(host, services);
    this.countRange(services, ports);
  }

  /** The ports of a host, counted with the other ports of a probe that stands for several (at least that many). */
  private countRange(services: string | Set<string>, ports: number): void {
    if (ports > 1)
      this.maxPortsOnOneHost = Math.max(this.maxPortsOnOneHost, (typeof services === 'string' ? 1 : services.size) + ports - 1);
  }

  /** `services` with `service` added, and the most ports asked of one host kept up to date. */
  private withService(services: string | Set<string>, service: string): string | Set<string> {
    if (typeof services === 'string') {
      if (services === service) return services;
      this.maxPortsOnOneHost = Math.max(this.maxPortsOnOneHost, 2);
      return new Set([services, service]);
    }
    this.maxPortsOnOneHost = Math.max(this.maxPortsOnOneHost, services.add(service).size);
    return services;
  }
}

/** Service keys (`protocol * 65537 + port`, 65536 for no port) are below this: a probe is `host id * PROBE_HOSTS + service key`. */
const PROBE_HOSTS = 2 ** 24;

/**
 * A source's scan statistics once the context is built, as one small integer when they fit (as
 * nearly all do): `hostsReached * ACTIVITY_HOSTS + maxPortsOnOneHost`, below 2^30, so V8 holds it
 * in the map's slot with no object of its own.
 */
const ACTIVITY_HOSTS = 2 ** 10;
const MAX_PACKED_HOSTS = 2 ** 20;

/** How a source is keyed: an IPv4 address by its value (no text kept per source), any other address by its text. */
const sourceKey = (address: string): number | string => ipv4Value(address) ?? address;

/**
 * What the whole input says beyond one finding: which sources scan (many ports of one host, many
 * hosts) among the rejected requests, and which services were ACCEPTed from whom at each interface.
 * Built once per diagnosis; signal detection reads it. (Whether a rejected inbound reply answers
 * no request the input shows is the verdict's `unrequested`, from the return-traffic decision.)
 */
export class TrafficContext {
  /**
   * Each source's probes while the context is built: most sources (hundreds of thousands in a day
   * of internet scans) make one kind of probe, held as one number (see PROBE_HOSTS) rather than an
   * object, until a second. Once built, each source's statistics (see ACTIVITY_HOSTS).
   */
  private readonly sources = new Map<number | string, number | SourceActivity>();
  private readonly services = new Map<number, string>();
  /** The hosts probed, by id: a few, probed again and again. */
  private readonly hosts: string[] = [];
  private readonly hostIds = new Map<string, number>();
  /**
   * `interface|protocol|port|serviceSide` → addresses seen on the source side and destination side:
   * one address as its text, more as a set.
   */
  private readonly accepted = new Map<string, { src: string | Set<string>; dst: string | Set<string> }>();

  /**
   * Rejected ingress requests (not return traffic, nor packets that look like replies to no request:
   * they probe no service port of the host) feed the scan statistics; ACCEPT flows the service index.
   */
  static build(rejected: Iterable<ExplainedFlow>, accepted: Iterable<FlowAggregate>): TrafficContext {
    const context = new TrafficContext();
    for (const item of rejected) {
      if (item.verdict.direction !== 'ingress' || item.verdict.returnTraffic || item.verdict.unrequested) continue;
      const range = requestedPortRangeOf(item.flow);
      context.addProbe(
        peerAddressOf(item),
        localAddressOf(item),
        item.flow.protocol,
        range?.from ?? null,
        probedPortCount(item.flow, range),
      );
    }
    for (const flow of accepted) if (flow.action === 'ACCEPT') context.addAccepted(flow);
    context.settleSources();
    return context;
  }

  /** Each source's probes replaced by its statistics: packed in one integer when they fit, its SourceActivity otherwise. */
  private settleSources(): void {
    for (const [key, seen] of this.sources) {
      if (typeof seen === 'number') this.sources.set(key, ACTIVITY_HOSTS + 1);
      else if (seen.hostsReached < MAX_PACKED_HOSTS && seen.maxPortsOnOneHost < ACTIVITY_HOSTS)
        this.sources.set(key, seen.hostsReached * ACTIVITY_HOSTS + seen.maxPortsOnOneHost);
    }
  }

  /** A probe of `host` from `address`, on `port` (its range's low end, standing for `ports` distinct ports). */
  private addProbe(address: string, host: string, protocol: number, port: number | null, ports: number): void {
    const source = sourceKey(address);
    const service = protocol * 65537 + (port ?? 65536);
    if (!this.services.has(service)) this.services.set(service, `${protocol}/${port ?? '-'}`);
    let hostId = this.hostIds.get(host);
    if (hostId === undefined) this.hostIds.set(host, (hostId = this.hosts.push(host) - 1));
    const probe = hostId * PROBE_HOSTS + service;
    const seen = this.sources.get(source);
    if (seen === undefined && ports === 1) this.sources.set(source, probe);
    else if (seen !== undefined && typeof seen !== 'number') seen.add(host, this.services.get(service)!, ports);
    else if (seen === undefined) {
      const activity = new SourceActivity(host, this.services.get(service)!);
      activity.add(host, this.services.get(service)!, ports);
      this.sources.set(source, activity);
    } else if (seen !== probe || ports > 1) {
      // A second kind of probe, or one standing for several ports: the source's activity as the object that counts hosts and ports.
      const activity = new SourceActivity(this.hosts[Math.floor(seen / PROBE_HOSTS)], this.services.get(seen % PROBE_HOSTS)!);
      activity.add(host, this.services.get(service)!, ports);
      this.sources.set(source, activity);
    }
  }

  private addAccepted(flow: FlowAggregate): void {
    const key = `${flow.interfaceId}|${flow.protocol}|${servicePortOf(flow) ?? '-'}|${servicePortSide(flow) ?? '-'}`;
    const entry = this.accepted.get(key);
    if (!entry) {
      this.accepted.set(key, { src: flow.srcaddr, dst: flow.dstaddr });
      return;
    }
    entry.src = withAddress(entry.src, flow.srcaddr);
    entry.dst = withAddress(entry.dst, flow.dstaddr);
  }

  /** Scan statistics of one source (zeros when it made no rejected request). */
  sourceActivity(address: string): { maxPortsOnOneHost: number; hostsReached: number } {
    const activity = this.sources.get(sourceKey(address));
    if (typeof activity === 'number')
      return { maxPortsOnOneHost: activity % ACTIVITY_HOSTS, hostsReached: Math.floor(activity / ACTIVITY_HOSTS) };
    return { maxPortsOnOneHost: activity?.maxPortsOnOneHost ?? 0, hostsReached: activity?.hostsReached ?? 0 };
  }

  /**
   * Was the same service (interface, protocol, service port, same side) ACCEPTed with a peer that
   * is not one of this group's peers? The peer sits on the source side for ingress, the
   * destination side for egress, as in the group's own flows.
   */
  acceptedFromOtherPeers(group: FindingGroup): boolean {
    if (this.accepted.size === 0) return false;
    const peers = new Set(group.flows.map(peerAddressOf));
    const checked = new Set<string>();
    for (const item of group.flows) {
      // The flow's own collapse key, as the accepted flows were keyed (a return-traffic group's port is the source port).
      const key = `${item.flow.interfaceId}|${item.flow.protocol}|${servicePortOf(item.flow) ?? '-'}|${servicePortSide(item.flow) ?? '-'}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const entry = this.accepted.get(key);
      if (!entry) continue;
      const side = group.direction === 'ingress' ? entry.src : entry.dst;
      if (typeof side === 'string') {
        if (!peers.has(side)) return true;
      } else for (const address of side) if (!peers.has(address)) return true;
    }
    return false;
  }
}

/**
 * How many distinct ports a rejected request probed: its destination ports, not the service port
 * the aggregation kept (a SYN from port 80 to 1984 probes 1984). Where the aggregator collapsed a
 * range of destination ports, each record asked for one port of it, so the aggregate stands for
 * min(records, range size) distinct ports (which ones it does not say), no more than the
 * port-scan threshold needs. One for any other request.
 */
function probedPortCount(flow: FlowAggregate, range: { from: number; to: number } | null): number {
  if (range === null || range.from === range.to) return 1;
  return Math.min(flow.records, range.to - range.from + 1, SIGNAL_THRESHOLDS.portScanMinPorts);
}

/** `addresses` with `address` added: one address stays a text, a second makes a set. */
function withAddress(addresses: string | Set<string>, address: string): string | Set<string> {
  if (typeof addresses !== 'string') return addresses.add(address);
  return addresses === address ? addresses : new Set([addresses, address]);
}
