import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import type { IpAddress } from '../network/ip-address';
import type { NetworkModel } from '../network/network-model';
import { PROTOCOL_TCP } from '../network/protocol';
import { servicePortSide } from './flow-ports';
import type { ReturnTrafficIndex } from './return-traffic-index';
import { evaluateSecurityGroups } from './security-group-evaluator';

/** TCP flag bits as VPC Flow Logs report them (ACK is only reported together with SYN). */
export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_ACK = 16;

/** How a flow was recognised as return traffic, or as the initiator's packets. */
export type ReturnTrafficSignal = 'tcp-flags' | 'reverse-accept' | 'service-port';

export interface ReturnTrafficDecision {
  returnTraffic: boolean;
  /** The signal that decided; null when nothing pointed to return traffic. */
  signal: ReturnTrafficSignal | null;
}

/**
 * Decides whether the flow's packets are the RESPONDER's side of a connection the other side
 * opened (return traffic). The initiator's packets are never return traffic. Signals, first
 * that applies wins:
 *
 * 1. `tcp-flags` (TCP, field present): flow logs report ACK only together with SYN, so bit 16
 *    (SYN-ACK, value 18) means the packets answer a SYN: return traffic. SYN (2) without ACK
 *    means these packets open connections: not return traffic, whatever follows. Other values
 *    (0 for mid-connection packets, FIN 1, RST 4, and their ORs) decide nothing.
 * 2. `reverse-accept`: the reverse flow (addresses and ports swapped) was ACCEPTed at the same
 *    interface (see `ReturnTrafficIndex`), and the packets do not go TO the service port (those
 *    are the initiator's, whatever was accepted the other way).
 * 3. `service-port`: the packet comes FROM the service port and goes to an ephemeral port (the
 *    shared collapse rule), and the interface's security groups allow that service in the other
 *    direction — for ingress, egress to the peer on the service port (this interface opened the
 *    connection); for egress, ingress from the peer on the service port (the peer opened it).
 */
export function detectReturnTraffic(
  model: NetworkModel,
  flow: FlowAggregate,
  direction: Direction,
  peer: IpAddress,
  index: ReturnTrafficIndex | undefined,
): ReturnTrafficDecision {
  if (flow.protocol === PROTOCOL_TCP && flow.tcpFlags !== null) {
    if (flow.tcpFlags & TCP_ACK) return { returnTraffic: true, signal: 'tcp-flags' };
    if (flow.tcpFlags & TCP_SYN) return { returnTraffic: false, signal: null };
  }
  const side = servicePortSide(flow);
  // A reverse ACCEPT says a connection got through one way, not who opened it: packets going TO
  // the service port are the initiator's even then (an accepted reply earlier in the window, a
  // request refused later after a rule change).
  if (side !== 'dst' && index?.hasAcceptedReverse(flow)) return { returnTraffic: true, signal: 'reverse-accept' };
  if (side === 'src' && flow.srcport !== null) {
    const groups = model.securityGroupsOf(flow.interfaceId);
    if (groups.length > 0) {
      const opposite: Direction = direction === 'ingress' ? 'egress' : 'ingress';
      const ctx = { vpcId: model.interfaceVpcId(flow.interfaceId) };
      const result = evaluateSecurityGroups(model, groups, opposite, flow.protocol, flow.srcport, peer, ctx);
      if (result.allowed === true) return { returnTraffic: true, signal: 'service-port' };
    }
  }
  return { returnTraffic: false, signal: null };
}
