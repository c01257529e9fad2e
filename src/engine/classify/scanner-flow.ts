import { type ExplainedFlow, peerAddressOf } from '../findings/explained-flow';
import type { NetworkModel } from '../network/network-model';
import { isInternal } from './classify-finding';
import { type NoiseSignal, SIGNAL_THRESHOLDS } from './signals';
import type { TrafficContext } from './traffic-context';

/**
 * The scanner signals of one blocked inbound flow from an internet source, otherwise none:
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
 * misconfiguration nor widens its fix to the scanner's address. Internal sources never match (a
 * monitoring host reaching many hosts is no scanner).
 */
export function scannerSignals(item: ExplainedFlow, model: NetworkModel, context: TrafficContext): NoiseSignal[] {
  const { verdict } = item;
  if (verdict.verdict !== 'blocked' || verdict.direction !== 'ingress') return [];
  const source = peerAddressOf(item);
  if (verdict.unrequested) return isInternal(model, source) ? [] : ['unsolicited-reply'];
  if (verdict.returnTraffic) return [];
  const activity = context.sourceActivity(source);
  const signals: NoiseSignal[] = [];
  if (activity.maxPortsOnOneHost >= SIGNAL_THRESHOLDS.portScanMinPorts) signals.push('port-scan');
  if (activity.hostsReached >= SIGNAL_THRESHOLDS.hostSweepMinHosts) signals.push('host-sweep');
  if (signals.length === 0 || isInternal(model, source)) return [];
  return signals;
}
