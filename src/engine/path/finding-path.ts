import type { Finding } from '../findings/finding';
import type { PathQueryInput } from './path-query';

/**
 * The path question a finding's traffic asks, for its busiest interface and peer (or the ones
 * named). The connection's client is the finding's interface when it sends the request (egress,
 * not return traffic) or receives the reply (ingress return traffic); otherwise the peer is. A
 * peer with an interface of the snapshot is asked by that interface, others by address. The port
 * is the service port (for return traffic too: the port of the service that answered).
 * Null when the finding names no interface or no peer.
 */
export function pathQueryOfFinding(finding: Finding, choice: { interfaceId?: string; peer?: string } = {}): PathQueryInput | null {
  const { traffic } = finding;
  const iface = choice.interfaceId === undefined ? traffic.interfaces[0] : traffic.interfaces.find((i) => i.id === choice.interfaceId);
  const peer =
    choice.peer === undefined ? traffic.peers[0] : traffic.peers.find((p) => p.address === choice.peer || p.interface === choice.peer);
  if (!iface || !peer) return null;
  const peerEndpoint = peer.interface ?? peer.address;
  const interfaceIsClient = (traffic.direction === 'egress') !== traffic.returnTraffic;
  return {
    from: interfaceIsClient ? iface.id : peerEndpoint,
    to: interfaceIsClient ? peerEndpoint : iface.id,
    protocol: traffic.protocol,
    port: traffic.port,
  };
}
