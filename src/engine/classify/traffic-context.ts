import { type ExplainedFlow, localAddressOf, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { servicePortOf } from '../findings/service-port.util';
import type { FlowAggregate } from '../flow-log/flow-record';
import { servicePortSide } from '../evaluate/flow-ports';

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

  add(host: string, service: string): void {
    if (host === this.firstHost) {
      this.firstServices = this.withService(this.firstServices, service);
      return;
    }
    this.otherHosts ??= new Map();
    const seen = this.otherHosts.get(host);
    this.otherHosts.set(host, seen === undefined ? service : this.withService(seen, service));
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

/**
 * What the whole input says beyond one finding: which sources scan (many ports of one host, many
 * hosts) among the rejected requests, and which services were ACCEPTed from whom at each interface.
 * Built once per diagnosis; signal detection reads it.
 */
export class TrafficContext {
  private readonly sources = new Map<string, SourceActivity>();
  private readonly services = new Map<number, string>();
  /** `interface|protocol|port|serviceSide` → addresses seen on the source side and destination side. */
  private readonly accepted = new Map<string, { src: Set<string>; dst: Set<string> }>();

  /** Rejected ingress requests (not return traffic) feed the scan statistics; ACCEPT flows the service index. */
  static build(rejected: Iterable<ExplainedFlow>, accepted: Iterable<FlowAggregate>): TrafficContext {
    const context = new TrafficContext();
    for (const item of rejected) {
      if (item.verdict.direction !== 'ingress' || item.verdict.returnTraffic) continue;
      context.addProbe(peerAddressOf(item), localAddressOf(item), context.serviceOf(item.flow.protocol, servicePortOf(item.flow)));
    }
    for (const flow of accepted) if (flow.action === 'ACCEPT') context.addAccepted(flow);
    return context;
  }

  private addProbe(source: string, host: string, service: string): void {
    const activity = this.sources.get(source);
    if (activity) activity.add(host, service);
    else this.sources.set(source, new SourceActivity(host, service));
  }

  /** One text per service (`6/443`), however many probes name it. */
  private serviceOf(protocol: number, port: number | null): string {
    const key = protocol * 65537 + (port ?? 65536);
    let text = this.services.get(key);
    if (text === undefined) this.services.set(key, (text = `${protocol}/${port ?? '-'}`));
    return text;
  }

  private addAccepted(flow: FlowAggregate): void {
    const key = `${flow.interfaceId}|${flow.protocol}|${servicePortOf(flow) ?? '-'}|${servicePortSide(flow) ?? '-'}`;
    let entry = this.accepted.get(key);
    if (!entry) this.accepted.set(key, (entry = { src: new Set(), dst: new Set() }));
    entry.src.add(flow.srcaddr);
    entry.dst.add(flow.dstaddr);
  }

  /** Scan statistics of one source (zeros when it made no rejected request). */
  sourceActivity(address: string): { maxPortsOnOneHost: number; hostsReached: number } {
    const activity = this.sources.get(address);
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
      const key = `${item.flow.interfaceId}|${item.flow.protocol}|${group.port ?? '-'}|${servicePortSide(item.flow) ?? '-'}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const entry = this.accepted.get(key);
      if (!entry) continue;
      const side = group.direction === 'ingress' ? entry.src : entry.dst;
      for (const address of side) if (!peers.has(address)) return true;
    }
    return false;
  }
}
