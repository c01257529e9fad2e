import { peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { findPeerInterface, vpcOfInterface } from '../findings/peer-lookup';
import { isInternetAddress } from '../ip/ip-address';
import type { NetworkModel } from '../network/network-model';
import { detectSignals } from './detect-signals';
import { portOpenness } from './port-openness';
import type { PeerFacts, SignalFacts } from './signal-facts';
import { type ClassificationResult, decideClassification } from './signals';
import type { TrafficContext } from './traffic-context';

/** Internal: not an internet address, or inside the capturing interface's VPC (which may use public space). */
export function isInternal(model: NetworkModel, eniId: string, address: string): boolean {
  if (!isInternetAddress(address)) return true;
  const ip = model.address(address);
  const vpcId = vpcOfInterface(model, eniId);
  return ip !== null && vpcId !== undefined && model.vpcContains(vpcId, ip);
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
        internal: isInternal(model, flow.interfaceId, address),
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

/** Classification of a group with the signals it matched. */
export function classifyGroup(group: FindingGroup, model: NetworkModel, context: TrafficContext): ClassificationResult {
  return decideClassification(detectSignals(signalFacts(group, model, context)));
}
