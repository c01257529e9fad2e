import type { BlockingControl, VerdictKind } from '../evaluate/verdict';
import type { Direction } from '../flow-log/flow-record';
import type { SuggestedFix } from '../fixes/fix';
import type { IpPermission } from '../network/snapshot';

export type HopVerdict = 'allow' | 'deny' | 'skipped' | 'unknown';

/** Where the route hop sends the packet. */
export type RouteTargetType =
  | 'local'
  | 'peering'
  | 'transit-gateway'
  | 'internet-gateway'
  | 'egress-only-internet-gateway'
  | 'nat-gateway'
  | 'gateway-endpoint'
  | 'other';

/** The rule that decided a hop. */
export type PathHopRule =
  | { groupId: string; ruleId: string | null; permission: IpPermission }
  | { ruleNumber: number; action: 'allow' | 'deny' }
  | { routeTableId: string; destination: string; target: string; targetType: RouteTargetType; state: string };

/** The part of a port range one NACL entry decides (reply path over the client's ephemeral range). */
export interface PortSegment {
  from: number;
  to: number;
  ruleNumber: number;
  action: 'allow' | 'deny';
}

/** One control on the path and what it does to the packet. */
export interface PathHop {
  hop: 'security-group' | 'network-acl' | 'route';
  /** The packet's direction at the control: leaving (egress) or entering (ingress) the interface or subnet. */
  direction: Direction;
  interfaceId?: string;
  groupIds?: string[];
  subnetId?: string;
  networkAclId?: string;
  routeTableId?: string;
  /** The address the control's rules are matched against (the far end of the packet), null when unknown. */
  peer: string | null;
  /** `tcp/443`, `tcp/32768-65535`, `icmp type 8`, `icmp`. */
  traffic: string;
  /** What was checked, in one sentence. */
  checked: string;
  verdict: HopVerdict;
  /** The rule that decided (a deny with no rule is the groups' implicit deny: null). */
  rule: PathHopRule | null;
  /** Reachability Analyzer's explanation code for a deny (`ENI_SG_RULES_MISMATCH`, `SUBNET_ACL_RESTRICTION`, …). */
  explanationCode: string | null;
  /** Why skipped, unknown or denied. */
  reason?: string;
  /** Reply hops over a port range: which entry decides which ports. */
  segments?: PortSegment[];
}

/** The path's answer, as the CLI and the API print it. */
export interface PathVerdict {
  verdict: VerdictKind;
  hops: PathHop[];
  /** Every security group and NACL that denies the request, in path order (explain's CONTROL shape). */
  blockedBy: BlockingControl[];
  reply: { verdict: VerdictKind; hops: PathHop[]; blockedBy: BlockingControl[] };
  suggestedFix: SuggestedFix | null;
  reason: string;
}
