export type FixAction =
  'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress' | 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry';

/** One EC2 API request, with the request's own parameter names and shapes. */
export interface FixChange {
  action: FixAction;
  params: Record<string, unknown>;
}

/** Something the change makes reachable beyond the observed flows. */
export interface FixRisk {
  kind: string;
  message: string;
  [detail: string]: unknown;
}

export interface SuggestedFix {
  changes: FixChange[];
  awsCli: string;
  terraform: string;
  cloudFormation: string;
  /** True only if simulation shows every flow of the finding allowed after the change. */
  verified: boolean;
  risks: FixRisk[];
}

/**
 * Why a finding's fix covers fewer peers than the finding has, or why it has none:
 * - `suspect-peers-left-out`: the fix covers only the peers whose own behaviour is legitimate;
 *   scanners and one-shot internet probes among the peers are left out (`excludedPeers`), and so
 *   are any NAT gateways' addresses the finding's requests went to (the message names them).
 * - `no-legitimate-peers`: every peer is such a suspect (or, beside suspects, a NAT gateway's own
 *   address), so no rule change is proposed.
 * - `too-many-peers`: the legitimate peers need more peer sources (CIDRs, referenced groups)
 *   than one fix may name (`FIX_SCOPE.maxPeerSources`): a rule list that long is not a fix.
 * - `block-public-access`: VPC Block Public Access refused the flows (`reject-reason` BPA), not a
 *   security group or network ACL: no rule change lets them through.
 * - `to-nat-gateway`: connections were opened towards a NAT gateway's own address, which the
 *   gateway refuses whatever the rules say. Of a campaign: its connections to the gateway (no fix,
 *   as for all noise). Of a rule finding, outbound requests its own control refused: those peers
 *   are left out (`excludedPeers`), the fix covering the others, or there is none when they were
 *   every peer; when suspects are left out too, the reason is theirs.
 * - `bypassed-load-balancer`: a security group refused connections it admits only as forwarded by
 *   a Network Load Balancer (a rule referencing the load balancer's group), and nothing else
 *   refused them, so they went to the target directly: their peers are left out
 *   (`excludedPeers`), since a rule admitting them would let them around the load balancer; no fix
 *   when they were every peer. When other peers are left out too, the others' reason is given.
 */
export interface FixNote {
  reason:
    | 'suspect-peers-left-out'
    | 'no-legitimate-peers'
    | 'too-many-peers'
    | 'block-public-access'
    | 'to-nat-gateway'
    | 'bypassed-load-balancer';
  message: string;
  /** Peers of the finding the fix leaves out: for their own behaviour, as NAT gateways' own addresses, or for going around a load balancer. */
  excludedPeers: number;
  /** Up to five of them, busiest first. */
  examples: string[];
}

/**
 * On each rule finding of a load balancer's connections that one security group refused on
 * several ports of the ephemeral range (the dynamic host ports of containers behind it): the set's
 * ports and one rule for the range that admits them all, and the next deployment's, beside each
 * finding's own one-port fix (see `dynamicHostPortSets`).
 */
export interface DynamicHostPorts {
  /** The load balancer (`elb:app/NAME`). */
  loadBalancer: string;
  /** The ports of the set's findings, ascending (this finding's among them). */
  ports: number[];
  /** The ephemeral range the ports lie in, which the rule opens. */
  range: { from: number; to: number };
  message: string;
  /** A finding's own fix with its port opened to the range, verified over every finding of the set; null when it has none. */
  fix: SuggestedFix | null;
}
