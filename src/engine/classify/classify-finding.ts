import type { BlockingControl } from '../evaluate/verdict';
import { portOpenToAnyPeer } from '../evaluate/security-group-evaluator';
import { peerAddressOf } from '../findings/explained-flow';
import type { FindingGroup } from '../findings/finding-group';
import { findPeerInterface, vpcOfInterface } from '../findings/peer-lookup';
import { isInternetAddress } from '../network/ip-address';
import type { NetworkModel } from '../network/network-model';
import { rulesHavePorts } from '../network/protocol';
import { detectSignals } from './detect-signals';
import type { PeerFacts, SignalFacts } from './signal-facts';
import { type ClassificationResult, decideClassification } from './signals';
import type { TrafficContext } from './traffic-context';

/** Does some allow entry of the NACL (in the control's direction) admit this protocol/port to anyone? */
function networkAclPortOpen(model: NetworkModel, control: Extract<BlockingControl, { control: 'network-acl' }>, protocol: number, port: number | null): boolean {
  const entries = model.networkAclEntries(control.networkAclId, control.direction) ?? [];
  return entries.some(
    (entry) =>
      entry.allow &&
      (entry.protocol === -1 || entry.protocol === protocol) &&
      (port === null || !rulesHavePorts(entry.protocol === -1 ? protocol : entry.protocol) || (port >= entry.fromPort && port <= entry.toPort)),
  );
}

function portOpenByControl(model: NetworkModel, group: FindingGroup): boolean {
  const control = group.blockedBy;
  if (control.control === 'security-group') return portOpenToAnyPeer(model, control.groupIds, control.direction, group.protocol, group.port);
  if (control.control === 'network-acl') return networkAclPortOpen(model, control, group.protocol, group.port);
  return false;
}

/** Internal: not an internet address, or inside the capturing interface's VPC (which may use public space). */
function isInternal(model: NetworkModel, eniId: string, address: string): boolean {
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
        internal: isInternal(model, flow.interfaceId, address),
        knownEni: findPeerInterface(model, flow.interfaceId, address) !== undefined,
        ...context.sourceActivity(address),
      };
      peers.set(address, peer);
    }
    peer.records += flow.records;
  }
  return {
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
    portOpenToAnyPeer: portOpenByControl(model, group),
    acceptedFromOtherPeers: context.acceptedFromOtherPeers(group),
  };
}

/** Classification of a group with the signals it matched. */
export function classifyGroup(group: FindingGroup, model: NetworkModel, context: TrafficContext): ClassificationResult {
  return decideClassification(detectSignals(signalFacts(group, model, context)));
}
