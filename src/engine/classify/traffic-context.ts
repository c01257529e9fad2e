import { type ExplainedFlow, localAddressOf, peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { servicePortOf } from '../findings/service-port.util';
import type { FlowAggregate } from '../flow-log/flow-record';
import { servicePortSide } from '../evaluate/flow-ports';

interface SourceActivity {
  hosts: Set<string>;
  portsByHost: Map<string, Set<string>>;
  maxPortsOnOneHost: number;
}

/**
 * What the whole input says beyond one finding: which sources scan (many ports of one host, many
 * hosts) among the rejected requests, and which services were ACCEPTed from whom at each interface.
 * Built once per diagnosis; signal detection reads it.
 */
export class TrafficContext {
  private readonly sources = new Map<string, SourceActivity>();
  /** `interface|protocol|port|serviceSide` → addresses seen on the source side and destination side. */
  private readonly accepted = new Map<string, { src: Set<string>; dst: Set<string> }>();

  /** Rejected ingress requests (not return traffic) feed the scan statistics; ACCEPT flows the service index. */
  static build(rejected: Iterable<ExplainedFlow>, accepted: Iterable<FlowAggregate>): TrafficContext {
    const context = new TrafficContext();
    for (const item of rejected) {
      if (item.verdict.direction !== 'ingress' || item.verdict.returnTraffic) continue;
      context.addProbe(peerAddressOf(item), localAddressOf(item), `${item.flow.protocol}/${servicePortOf(item.flow) ?? '-'}`);
    }
    for (const flow of accepted) if (flow.action === 'ACCEPT') context.addAccepted(flow);
    return context;
  }

  private addProbe(source: string, host: string, service: string): void {
    let activity = this.sources.get(source);
    if (!activity) {
      activity = { hosts: new Set(), portsByHost: new Map(), maxPortsOnOneHost: 0 };
      this.sources.set(source, activity);
    }
    activity.hosts.add(host);
    let ports = activity.portsByHost.get(host);
    if (!ports) activity.portsByHost.set(host, (ports = new Set()));
    ports.add(service);
    activity.maxPortsOnOneHost = Math.max(activity.maxPortsOnOneHost, ports.size);
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
    return { maxPortsOnOneHost: activity?.maxPortsOnOneHost ?? 0, hostsReached: activity?.hosts.size ?? 0 };
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
