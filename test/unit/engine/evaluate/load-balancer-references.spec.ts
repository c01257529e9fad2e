import { describe, expect, it } from 'vitest';
import { undecidedReason } from '../../../../src/engine/coverage/analysis-coverage';
import { explainFlow } from '../../../../src/engine/evaluate/explain-flow';
import { ReturnTrafficIndex } from '../../../../src/engine/evaluate/return-traffic-index';
import { type SecurityGroupContext, evaluateSecurityGroups } from '../../../../src/engine/evaluate/security-group-evaluator';
import type { FlowAggregate } from '../../../../src/engine/flow-log/flow-record';
import { NetworkModel } from '../../../../src/engine/network/network-model';
import { validateSnapshot } from '../../../../src/engine/network/snapshot-loader';
import { flowAggregate } from '../../../support/factories/flow-aggregate';
import { referenceEvaluateSecurityGroups, referenceExplainFlow } from '../../../support/factories/reference-evaluator';
import { APP1, MON_6, type ScenarioNetwork, W1, allow, baseWorld, deny, perm, tcp, udp } from '../../../support/factories/scenario-network';

/*
 * A target whose group admits a Network Load Balancer's group: with client IP preservation the
 * load balancer forwards the client's packets with the client's address as source, and the target
 * accepts them (Elastic Load Balancing, Network Load Balancers: "Security groups" — a target rule
 * referencing the load balancer's group lets clients through the load balancer but not directly —
 * and "Client IP preservation": targets in the load balancer's VPC or a same-Region peered one;
 * TCP and UDP are what it forwards). A flow log does not tell forwarded packets from the client's
 * own, so such a rule leaves a non-member source open rather than unmatched — unless a REJECT the
 * NACL let in says the packets came directly. The engine and the reference evaluator must agree.
 */

const NLB_A = '10.0.2.60';
const CLIENT = '198.51.100.20';

function nlbWorld(): ScenarioNetwork {
  return baseWorld()
    .group('sg-nlb', 'vpc-main', [tcp(8080, '0.0.0.0/0'), udp(5353, '0.0.0.0/0')])
    .eni({
      id: 'eni-nlb-a',
      subnet: 'subnet-web',
      ip: NLB_A,
      groups: ['sg-nlb'],
      description: 'ELB net/api-nlb/50dc6c495c0c9188',
      requesterId: 'amazon-elb',
      interfaceType: 'network_load_balancer',
    })
    .ingress('sg-app', tcp(8080, 'sg-nlb'), udp(5353, 'sg-nlb'), perm('icmp', [-1, -1], 'sg-nlb'), tcp(22, '10.0.4.0/24'));
}

const WORLDS: [string, () => ScenarioNetwork][] = [
  ['open NACL', nlbWorld],
  ['NACL admitting the VPC only', () => nlbWorld().acl('acl-app', [allow(100, '10.0.0.0/16')], [allow(100, '0.0.0.0/0')])],
  [
    'NACL denying the client first',
    () => nlbWorld().acl('acl-app', [deny(90, `${CLIENT}/32`), allow(100, '0.0.0.0/0')], [allow(100, '0.0.0.0/0')]),
  ],
  // The load balancer known by its description alone (no interface type).
  [
    'load balancer by description',
    () =>
      nlbWorld().eni({
        id: 'eni-nlb-a',
        subnet: 'subnet-web',
        ip: NLB_A,
        groups: ['sg-nlb'],
        description: 'ELB net/api-nlb/50dc6c495c0c9188',
        requesterId: 'amazon-elb',
      }),
  ],
  // An Application Load Balancer terminates connections: its targets see its own address, never the client's.
  [
    'an ALB carrying the group',
    () =>
      nlbWorld().eni({
        id: 'eni-nlb-a',
        subnet: 'subnet-web',
        ip: NLB_A,
        groups: ['sg-nlb'],
        description: 'ELB app/web-alb/50dc6c495c0c9188',
        requesterId: 'amazon-elb',
      }),
  ],
];

/** Inbound records at the app host: from the client, a worker, the load balancer and an IPv6 host; TCP, UDP and ICMP; accepted and refused. */
function flows(): FlowAggregate[] {
  const out: FlowAggregate[] = [];
  for (const [src, dst] of [
    [CLIENT, APP1],
    [W1, APP1],
    [NLB_A, APP1],
    [MON_6, '2600:1f18:aaaa:bb01::10'],
  ])
    for (const [protocol, dstport] of [
      [6, 8080],
      [6, 22],
      [17, 5353],
      [1, null],
    ] as const)
      for (const action of ['ACCEPT', 'REJECT'] as const)
        out.push(
          flowAggregate({
            interfaceId: 'eni-app1',
            flowDirection: 'ingress',
            srcaddr: src,
            dstaddr: dst,
            srcport: protocol === 1 ? null : 51000,
            dstport,
            protocol,
            action,
            tcpFlags: protocol === 6 ? 2 : null,
            servicePortSide: protocol === 1 ? null : 'dst',
          }),
        );
  return out;
}

describe('a Network Load Balancer’s group referenced by a target', () => {
  it('the engine and the reference evaluator agree flow by flow, and reach both readings', () => {
    const seen = new Set<string>();
    for (const [name, world] of WORLDS) {
      const snapshot = validateSnapshot(world().snapshot());
      const model = NetworkModel.fromSnapshot(snapshot);
      for (const flow of flows()) {
        const { reason: _fast, ...fast } = explainFlow(model, flow, { returnTraffic: new ReturnTrafficIndex() });
        const { reason: _slow, ...slow } = referenceExplainFlow(snapshot, flow, []);
        expect(fast, `${name}: ${flow.action} ${flow.srcaddr} ${flow.protocol}/${flow.dstport}`).toEqual(slow);
        if (fast.bypassedLoadBalancer) seen.add(`bypassed ${fast.bypassedLoadBalancer}`);
        if (fast.throughLoadBalancer) {
          seen.add(`through ${fast.throughLoadBalancer}`);
          expect(undecidedReason(model, flow, { ...fast, reason: _fast })).toBe('through-load-balancer');
        }
      }
    }
    expect([...seen].sort()).toEqual(['bypassed elb:net/api-nlb', 'through elb:net/api-nlb']);
  });

  it('a non-member source is open for TCP and UDP inbound only, where the load balancer is in reach', () => {
    const model = NetworkModel.fromSnapshot(validateSnapshot(nlbWorld().snapshot()));
    const ctx: SecurityGroupContext = { vpcId: 'vpc-main', subnetId: 'subnet-app' };
    const groups = (direction: 'ingress' | 'egress', protocol: number, port: number | null, peer: string, at = ctx) =>
      evaluateSecurityGroups(model, ['sg-app'], direction, protocol, port, peer, at);
    expect(groups('ingress', 6, 8080, CLIENT)).toMatchObject({ allowed: 'uncertain', throughLoadBalancer: 'elb:net/api-nlb' });
    expect(groups('ingress', 17, 5353, W1)).toMatchObject({ allowed: 'uncertain', throughLoadBalancer: 'elb:net/api-nlb' });
    // The load balancer's own address carries the group.
    expect(groups('ingress', 6, 8080, NLB_A).allowed).toBe(true);
    // It forwards no ICMP, nor a port the rule does not name.
    expect(groups('ingress', 1, null, CLIENT).allowed).toBe(false);
    expect(groups('ingress', 6, 9090, CLIENT).allowed).toBe(false);
    // Evaluated in a VPC the load balancer is not in (nor peered with): no forwarding from there.
    expect(groups('ingress', 6, 8080, CLIENT, { vpcId: 'vpc-other', subnetId: null }).allowed).toBe(false);
    const snapshot = validateSnapshot(nlbWorld().snapshot());
    expect(referenceEvaluateSecurityGroups(snapshot, ['sg-app'], 'ingress', 6, 8080, CLIENT, 'vpc-other')).toBe('deny');
    expect(referenceEvaluateSecurityGroups(snapshot, ['sg-app'], 'ingress', 6, 8080, CLIENT, 'vpc-main')).toBe('uncertain');
  });
});
