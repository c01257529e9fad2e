import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { FlowAggregate } from '../flow-log/flow-record';
import type { NetworkModel } from '../network/network-model';
import { isInternal } from './classify-finding';
import { type NoiseSignal, SIGNAL_THRESHOLDS } from './signals';
import type { TrafficContext } from './traffic-context';

/**
 * Is the flow addressed to one of its capturing interface's own addresses (private, public or
 * Elastic IP, IPv6), and is that interface a NAT gateway's? A NAT gateway forwards what the
 * instances behind it send out and the answers to that, none of it addressed to the gateway
 * itself: it accepts no connection opened towards it, from the internet or from inside the VPC.
 */
export function isAddressedToNatGateway(model: NetworkModel, flow: FlowAggregate): boolean {
  if (!model.isNatGateway(flow.interfaceId)) return false;
  const destination = model.address(flow.dstaddr);
  return destination !== null && model.isInterfaceAddress(flow.interfaceId, destination);
}

/**
 * The signals of one blocked inbound flow that no rule change is for, otherwise none:
 * - `to-nat-gateway` for a request (not return traffic) to a NAT gateway's own address, from any
 *   source (`isAddressedToNatGateway`): the gateway itself refuses it, whatever the NACL says, so
 *   no entry would let it through (its forwarded traffic and the answers it receives are judged
 *   as any other);
 * and from an internet source:
 * - for a request, the scan signals when the source is a scanner — across every rejected request
 *   of the input it hit at least `portScanMinPorts` ports of one host or `hostSweepMinHosts` hosts;
 * - for packets that look like replies, `unsolicited-reply` when they answer no request of their
 *   interface whose ACCEPT records are in the input (the verdict's `unrequested`): a scanner sending
 *   from a service port to pass for replies, or backscatter. From the internet they are no return
 *   traffic (the security groups refused them as new connections); either way no rule is to open.
 *
 * Such flows are scanner activity whatever port they land on, so the diagnosis sets them aside
 * for the source's campaign before grouping by rule: a scanner that also knocks on a port real
 * clients are refused on — or sends from the port real servers answer from — neither hides that
 * misconfiguration nor widens its fix to the scanner's address. Internal sources never match the
 * scanner signals (a monitoring host reaching many hosts is no scanner).
 */
export function scannerSignals(item: ExplainedFlow, model: NetworkModel, context: TrafficContext): NoiseSignal[] {
  const { verdict } = item;
  if (verdict.verdict !== 'blocked' || verdict.direction !== 'ingress') return [];
  const source = peerAddressOf(item);
  if (verdict.unrequested) return isInternal(model, source) ? [] : ['unsolicited-reply'];
  if (verdict.returnTraffic) return [];
  const toNatGateway: NoiseSignal[] = isAddressedToNatGateway(model, item.flow) ? ['to-nat-gateway'] : [];
  const activity = context.sourceActivity(source);
  const signals: NoiseSignal[] = [];
  if (activity.maxPortsOnOneHost >= SIGNAL_THRESHOLDS.portScanMinPorts) signals.push('port-scan');
  if (activity.hostsReached >= SIGNAL_THRESHOLDS.hostSweepMinHosts) signals.push('host-sweep');
  if (signals.length === 0 || isInternal(model, source)) return toNatGateway;
  return [...signals, ...toNatGateway];
}
