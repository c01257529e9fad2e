import { describe, expect, it } from 'vitest';
import type { BlockingControl, FlowVerdict } from '../../../../src/engine/evaluate/verdict';
import type { ExplainedFlow } from '../../../../src/engine/findings/explained-flow';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { type HostPortCandidate, dynamicHostPortSets } from '../../../../src/engine/fixes/dynamic-host-ports';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { APP1, W1, baseWorld, sgIn, sgOut } from '../../../support/factories/scenario-network';

/*
 * The set search runs on every diagnosis, before the first finding is finished: it must read the
 * flows of no finding that cannot be in a set, and stop reading a finding's at its first flow that
 * no load balancer opened.
 */

const ALB = '10.0.2.50';
const model = NetworkModel.fromSnapshot(
  baseWorld()
    .eni({
      id: 'eni-alb-a',
      subnet: 'subnet-web',
      ip: ALB,
      groups: ['sg-web'],
      description: 'ELB app/shop-alb/50dc6c495c0c9188',
      requesterId: 'amazon-elb',
    })
    .snapshot(),
);

/** A request captured at eni-app1 from `src` (ingress) or at the ALB to the app host (egress). */
function request(direction: 'ingress' | 'egress', src: string, dport: number): ExplainedFlow {
  const flow = {
    interfaceId: direction === 'ingress' ? 'eni-app1' : 'eni-alb-a',
    srcaddr: src,
    dstaddr: APP1,
    protocol: 6,
    dstport: dport,
  };
  return { flow: flow as FlowAggregate, verdict: { verdict: 'blocked', direction } as FlowVerdict };
}

/** A pending rule finding whose flows count how many of them were read. */
function candidate(blockedBy: BlockingControl, port: number, flows: ExplainedFlow[], reads: { count: number }): HostPortCandidate {
  const direction = blockedBy.direction;
  return {
    group: { fingerprint: `${direction}-${port}`, blockedBy, alsoBlockedBy: [], direction, protocol: 6, port, returnTraffic: false },
    flows: function* () {
      for (const flow of flows) {
        reads.count++;
        yield flow;
      }
    },
  };
}

describe('dynamicHostPortSets', () => {
  it('reads no flow of a finding that no other finding of its group and direction could join', () => {
    const reads = { count: 0 };
    const candidates = [
      candidate(sgIn('sg-app'), 32771, [request('ingress', ALB, 32771)], reads),
      candidate(sgIn('sg-db'), 32790, [request('ingress', ALB, 32790)], reads),
      candidate(sgOut('sg-app'), 32800, [request('egress', ALB, 32800)], reads),
    ];
    expect(dynamicHostPortSets(model, candidates).size).toBe(0);
    expect(reads.count).toBe(0);
  });

  it('stops reading a finding at its first flow from an address no load balancer holds', () => {
    const reads = { count: 0 };
    const fromWorker = Array.from({ length: 1000 }, () => request('ingress', W1, 32771));
    const candidates = [
      candidate(sgIn('sg-app'), 32771, fromWorker, reads),
      candidate(sgIn('sg-app'), 32790, [request('ingress', ALB, 32790)], reads),
    ];
    expect(dynamicHostPortSets(model, candidates).size).toBe(0);
    expect(reads.count).toBeLessThanOrEqual(2);
  });

  it('still finds the set of two findings the load balancer opened', () => {
    const reads = { count: 0 };
    const candidates = [
      candidate(sgIn('sg-app'), 32790, [request('ingress', ALB, 32790)], reads),
      null,
      candidate(sgIn('sg-app'), 32771, [request('ingress', ALB, 32771)], reads),
    ];
    const sets = dynamicHostPortSets(model, candidates);
    expect([...sets.keys()].sort()).toEqual([0, 2]);
    expect(sets.get(0)).toMatchObject({ loadBalancer: 'elb:app/shop-alb', groupIds: ['sg-app'], members: [2, 0], ports: [32771, 32790] });
  });
});
