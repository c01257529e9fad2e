import type { NetworkModel } from '../network/network-model';
import { type ExplainedFlow, peerAddressOf } from './explained-flow';
import type { Finding, FindingInterface, FindingPeer } from './finding';
import type { FindingGroup } from './finding-group';
import type { TrafficScale } from './severity';
import { isoSeconds } from './iso-time.util';
import { findPeerInterface } from './peer-lookup';

/** At most this many peers are listed in a finding (the busiest); `peerCount` keeps the total. */
export const MAX_LISTED_PEERS = 100;

function byRecordsThen<T extends { records?: number }>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (b.records ?? 0) - (a.records ?? 0) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/**
 * The `traffic` block of a finding: interfaces named by what owns them, peers with their counts
 * (and, for a known interface, its id and security groups), totals and first/last seen.
 */
export function summarizeTraffic(group: FindingGroup, model: NetworkModel): Finding['traffic'] {
  const interfaces = new Map<string, FindingInterface>();
  const peers = new Map<string, FindingPeer>();
  let records = 0;
  let packets = 0;
  let bytes = 0;
  let firstSeen = Number.POSITIVE_INFINITY;
  let lastSeen = Number.NEGATIVE_INFINITY;
  for (const explained of group.flows) {
    const { flow } = explained;
    records += flow.records;
    packets += flow.packets;
    bytes += flow.bytes;
    firstSeen = Math.min(firstSeen, flow.firstSeen);
    lastSeen = Math.max(lastSeen, flow.lastSeen);
    let iface = interfaces.get(flow.interfaceId);
    if (!iface) {
      iface = { id: flow.interfaceId, owner: model.interfaceOwner(flow.interfaceId), records: 0 };
      interfaces.set(flow.interfaceId, iface);
    }
    iface.records = (iface.records ?? 0) + flow.records;
    const address = peerAddressOf(explained);
    let peer = peers.get(address);
    if (!peer) {
      peer = { address, records: 0, packets: 0 };
      const eni = findPeerInterface(model, flow.interfaceId, address);
      if (eni) {
        peer.interface = eni.NetworkInterfaceId;
        const groupIds = model.securityGroupsOf(eni.NetworkInterfaceId);
        if (groupIds.length) peer.groupIds = [...groupIds].sort();
        const owner = model.interfaceOwner(eni.NetworkInterfaceId);
        if (owner) peer.owner = owner;
      }
      peers.set(address, peer);
    }
    peer.records += flow.records;
    peer.packets = (peer.packets ?? 0) + flow.packets;
  }
  const sortedPeers = [...peers.values()].sort(byRecordsThen((p) => p.address));
  return {
    direction: group.direction,
    protocol: group.protocol,
    port: group.port,
    returnTraffic: group.returnTraffic,
    interfaces: [...interfaces.values()].sort(byRecordsThen((i) => i.id)),
    peers: sortedPeers.slice(0, MAX_LISTED_PEERS),
    peerCount: sortedPeers.length,
    records,
    packets,
    bytes,
    firstSeen: isoSeconds(firstSeen),
    lastSeen: isoSeconds(lastSeen),
  };
}

/**
 * What severityOf reads of the `traffic` summarizeTraffic would make of the same flows, without
 * the peers' details: the records, how many distinct peers, and each interface with its owner.
 */
export function trafficScale(flows: Iterable<ExplainedFlow>, model: NetworkModel): TrafficScale {
  const owners = new Map<string, string | null>();
  const peers = new Set<string>();
  let records = 0;
  for (const explained of flows) {
    const { flow } = explained;
    records += flow.records;
    if (!owners.has(flow.interfaceId)) owners.set(flow.interfaceId, model.interfaceOwner(flow.interfaceId));
    peers.add(peerAddressOf(explained));
  }
  return { records, peers: [], peerCount: peers.size, interfaces: Array.from(owners, ([id, owner]) => ({ id, owner })) };
}
