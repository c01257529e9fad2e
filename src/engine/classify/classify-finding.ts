import { peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { findPeerInterface } from '../findings/peer-lookup';
import { isInternetAddress } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { portOpenness } from './port-openness';
import type { PeerFacts, SignalFacts } from './signal-facts';
import type { TrafficContext } from './traffic-context';

/**
 * Internal: not an internet address, or inside a VPC the snapshot knows (which may use public
 * space: Amazon's IPv6, a publicly routable IPv4 block), the capturing interface's or another.
 */
export function isInternal(model: NetworkModel, address: string): boolean {
  const ip = model.address(address);
  return ip === null ? !isInternetAddress(address) : !model.isInternetPeer(ip);
}

/** Gathers the facts of one group of blocked flows from the model and the input-wide context. */
export function signalFacts(group: FindingGroup, model: NetworkModel, context: TrafficContext): SignalFacts {
  const peers = new Map<string, PeerFacts>();
  let records = 0;
  let packets = 0;
  let firstSeen = Number.POSITIVE_INFINITY;
  let lastSeen = Number.NEGATIVE_INFINITY;
  let tcpFlags: number | null = null;
  let flagsKnown = true;
  for (const item of group.flows) {
    const { flow } = item;
    records += flow.records;
    packets += flow.packets;
    firstSeen = Math.min(firstSeen, flow.firstSeen);
    lastSeen = Math.max(lastSeen, flow.lastSeen);
    if (flow.tcpFlags === null) flagsKnown = false;
    else tcpFlags = (tcpFlags ?? 0) | flow.tcpFlags;
    const address = peerAddressOf(item);
    let peer = peers.get(address);
    if (!peer) {
      peer = {
        address,
        records: 0,
        packets: 0,
        internal: isInternal(model, address),
        knownEni: findPeerInterface(model, flow.interfaceId, address) !== undefined,
        ...context.sourceActivity(address),
        firstSeen: flow.firstSeen,
        lastSeen: flow.lastSeen,
      };
      peers.set(address, peer);
    }
    peer.records += flow.records;
    peer.packets += flow.packets;
    peer.firstSeen = Math.min(peer.firstSeen, flow.firstSeen);
    peer.lastSeen = Math.max(peer.lastSeen, flow.lastSeen);
  }
  const openness = portOpenness(model, group.blockedBy, group.protocol, group.port);
  return {
    direction: group.direction,
    protocol: group.protocol,
    port: group.port,
    returnTraffic: group.returnTraffic,
    blockPublicAccess: group.blockedBy.control === 'block-public-access',
    peers: [...peers.values()],
    records,
    packets,
    firstSeen,
    lastSeen,
    // Flags decide late-close only when every flow carried them.
    tcpFlags: flagsKnown ? tcpFlags : null,
    portSpecificallyOpen: openness.specificallyOpen,
    portOpenToInternet: openness.openToInternet,
    acceptedFromOtherPeers: context.acceptedFromOtherPeers(group),
  };
}
