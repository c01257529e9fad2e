import type { Direction } from '../flow-log/flow-record';
import type { BlockingControl } from '../evaluate/verdict';
import type { FixNote, SuggestedFix } from '../fixes/fix';

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

export interface Finding {
  /** Stable across runs and input order: derived from the control, direction, protocol, port. */
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
  /** Present when the fix leaves some peers out or none is proposed for a non-noise finding (see `FixNote`). */
  fixNote?: FixNote;
  /**
   * Further controls that also deny some of this finding's flows (a flow denied by both the NACL
   * and the SG belongs to the finding of the first control on its path; the fix covers both).
   */
  alsoBlockedBy?: BlockingControl[];
}
