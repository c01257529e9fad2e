import type { FlowVerdict } from '../evaluate/verdict';
import type { FlowAggregate } from '../flow-log/flow-record';

/** A flow (one record or an aggregate) with what the current configuration does to it. */
export interface ExplainedFlow {
  flow: FlowAggregate;
  verdict: FlowVerdict;
}

/** The address on the far side of the capturing interface: the source of ingress, the destination of egress. */
export function peerAddressOf(explained: ExplainedFlow): string {
  return explained.verdict.direction === 'ingress' ? explained.flow.srcaddr : explained.flow.dstaddr;
}

/** The capturing interface's own address in the flow. */
export function localAddressOf(explained: ExplainedFlow): string {
  return explained.verdict.direction === 'ingress' ? explained.flow.dstaddr : explained.flow.srcaddr;
}
