import type { Direction } from '../flow-log/flow-record';

/** The control that denied a flow, as the CLI contract prints it. */
export type BlockingControl =
  | { control: 'security-group'; direction: Direction; groupIds: string[] }
  | { control: 'network-acl'; direction: Direction; networkAclId: string; ruleNumber: number }
  | { control: 'block-public-access'; direction: Direction };

export type VerdictKind = 'blocked' | 'allowed' | 'unknown';

/** What the current configuration does to one flow at its capturing interface. */
export interface FlowVerdict {
  verdict: VerdictKind;
  direction: Direction;
  returnTraffic: boolean;
  /** Every control that denies, in path order (ingress: NACL then SG; egress: SG then NACL). */
  blockedBy: BlockingControl[];
  /**
   * Why, in one sentence: always set by explainFlow for blocked and unknown. A diagnosis shares one
   * verdict among the blocked flows it judged alike and drops their per-flow reason (VerdictPool).
   */
  reason?: string;
  /**
   * Of a flow Block Public Access rejected: the security groups and NACL that would still refuse it
   * once it is excluded from Block Public Access, in path order; absent when they would allow it
   * or cannot be evaluated.
   */
  behindBlockPublicAccess?: BlockingControl[];
  /**
   * Of inbound packets that look like replies (by `tcp-flags` or the service port): true when they
   * answer no request the input shows — the input holds ACCEPT records of the capturing interface,
   * and none is the request they would answer (see `ReturnTrafficIndex.lacksReverse`). From an
   * internet peer to an interface with security groups they are then no return traffic
   * (`returnTraffic` false): the groups judged them as a new connection. Absent otherwise.
   */
  unrequested?: true;
  /**
   * Of inbound packets a security group refused that it admits only as forwarded by a Network Load
   * Balancer (a rule referencing the load balancer's group; forwarded packets keep the client's
   * address): the load balancer (`elb:net/NAME`). Nothing else refused them, so they came to the
   * interface directly, not through it. Absent otherwise.
   */
  bypassedLoadBalancer?: string;
  /**
   * Of an unknown verdict: the security groups admit the packets only as forwarded by this Network
   * Load Balancer (`elb:net/NAME`), and the flow log cannot tell whether it forwarded them or the
   * peer sent them directly. Absent otherwise.
   */
  throughLoadBalancer?: string;
}
