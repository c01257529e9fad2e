import type { Direction } from '../flow-log/flow-record';
import type { BlockingControl } from '../evaluate/verdict';
import type { StaleSecurityGroupRule } from '../evaluate/security-group-evaluator';
import type { DynamicHostPorts, FixNote, SuggestedFix } from '../fixes/fix';

export type Classification = 'likely-misconfiguration' | 'likely-noise' | 'uncertain';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface FindingInterface {
  id: string;
  /** What owns the interface: instance id, `elb:app/NAME`, NAT gateway, Lambda, VPC endpoint … */
  owner: string | null;
  records?: number;
}

export interface FindingPeer {
  address: string;
  interface?: string;
  groupIds?: string[];
  /** What owns the peer's interface, when it is a known one (instance id, `elb:app/NAME` …). */
  owner?: string;
  records: number;
  packets?: number;
}

/**
 * `rule`: blocked flows of one control × direction × protocol × service port (× return traffic),
 * what a rule change can address. `campaign`: scanner noise of one source, or of sources acting
 * together, across every port, host and control it hit (`campaign` holds the breakdown).
 */
export type FindingKind = 'rule' | 'campaign';

/** How a campaign's sources were put together. */
export type CampaignScope = 'source' | 'network' | 'service';

export interface CampaignSource {
  address: string;
  records: number;
  /** Distinct services (protocol/port) and interfaces this source probed. */
  ports: number;
  hosts: number;
  firstSeen: string;
  lastSeen: string;
}

/** One probed service of a campaign: the per-port breakdown. */
export interface CampaignPort {
  protocol: number;
  port: number | null;
  records: number;
  packets: number;
  bytes: number;
  /** Distinct sources and interfaces seen on this service. */
  sources: number;
  hosts: number;
  /** The controls that dropped it (the first on each flow's path), busiest first. */
  blockedBy: BlockingControl[];
  firstSeen: string;
  lastSeen: string;
}

/** The evidence of a `campaign` finding. */
export interface CampaignEvidence {
  scope: CampaignScope;
  /** The source address (`source`), its network (`network`: `203.0.113.0/24`, `2001:db8::/64`) or the service (`service`: `tcp/23`). */
  key: string;
  /** The busiest sources (at most a hundred) and how many there were. */
  sources: CampaignSource[];
  sourceCount: number;
  /** The busiest probed services (at most `MAX_LISTED_PORTS`) and how many there were. */
  ports: CampaignPort[];
  portCount: number;
  /** Interfaces touched. */
  hostCount: number;
  /** Every control that dropped some of it (the first on each flow's path), busiest first. */
  controls: BlockingControl[];
}

export interface Finding {
  kind: FindingKind;
  /**
   * Stable across runs and input order. A rule finding's derives from the control, direction,
   * protocol, port; a campaign's from its direction, scope and key (so tomorrow's activity of the
   * same source updates it).
   */
  fingerprint: string;
  classification: Classification;
  severity: Severity;
  /** Documented signal names that led to the classification. */
  signals: string[];
  blockedBy: BlockingControl;
  traffic: {
    direction: Direction;
    protocol: number;
    port: number | null;
    returnTraffic: boolean;
    interfaces: FindingInterface[];
    /** The busiest peers (by records), at most a hundred; `peerCount` says how many there were. */
    peers: FindingPeer[];
    peerCount?: number;
    records: number;
    packets: number;
    bytes: number;
    /** ISO 8601 UTC, second precision (`2023-11-14T22:13:20Z`). */
    firstSeen: string;
    lastSeen: string;
  };
  suggestedFix: SuggestedFix | null;
  /**
   * When the configuration history shows the blocking control changed during the analysed window
   * so that the finding's flows are allowed: the change's recorded time (ISO 8601 UTC). Set by
   * the service (AWS Config history), never by the engine alone.
   */
  fixedAt?: string;
  /**
   * Present when the fix leaves some peers out or none is proposed for a non-noise finding, and on
   * a campaign with connections opened towards a NAT gateway, which no rule change lets through
   * (see `FixNote`).
   */
  fixNote?: FixNote;
  /**
   * Present on a rule finding of a load balancer's connections refused on one of several dynamic
   * host ports: the set's ports and one rule for their range (see `DynamicHostPorts`).
   */
  dynamicHostPorts?: DynamicHostPorts;
  /**
   * Further controls that also deny some of this finding's flows (a flow denied by both the NACL
   * and the SG belongs to the finding of the first control on its path; the fix covers both).
   */
  alsoBlockedBy?: BlockingControl[];
  /**
   * Present on a rule finding whose security groups hold rules for its protocol and port that
   * reference a group stale for its peers (the group deleted, or the peering connection to it
   * ended; `StaleSecurityGroupSet`): the rules meant to let the traffic through, which allow
   * nothing. The fix does not rely on them.
   */
  staleRules?: StaleSecurityGroupRule[];
  /** Present exactly when `kind` is `campaign`. */
  campaign?: CampaignEvidence;
}
