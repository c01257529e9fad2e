/**
 * What is known about one finding's traffic, gathered by the diagnosis from the snapshot and the
 * whole input, so that signal detection is a pure function of plain data (and table-testable).
 */
export interface PeerFacts {
  address: string;
  records: number;
  /** Packets of the peer's records in the finding: more than one per record means the peer retried. */
  packets: number;
  /** Not an internet address: private/shared/ULA space or inside a VPC of the snapshot. */
  internal: boolean;
  /** A private IP of an interface in the snapshot. */
  knownEni: boolean;
  /** Across every rejected flow of the input: most distinct ports this source hit on one host. */
  maxPortsOnOneHost: number;
  /** Across every rejected flow of the input: distinct hosts this source hit. */
  hostsReached: number;
  /** Epoch seconds of this peer's first and last record in the finding. */
  firstSeen: number;
  lastSeen: number;
}

export interface SignalFacts {
  direction: 'ingress' | 'egress';
  protocol: number;
  /** The service port of the finding's traffic (null for port-less protocols); absent when unknown. */
  port?: number | null;
  returnTraffic: boolean;
  blockPublicAccess: boolean;
  peers: PeerFacts[];
  records: number;
  packets: number;
  /** Epoch seconds. */
  firstSeen: number;
  lastSeen: number;
  /** Bitwise OR of `tcp-flags` over the finding's flows; null when the logs lack the field. */
  tcpFlags: number | null;
  /** An allow rule of the blocking control names this protocol and port (narrower than all ports) for other peers. */
  portSpecificallyOpen: boolean;
  /** Some allow rule of the blocking control admits internet addresses on this port. */
  portOpenToInternet: boolean;
  /** An ACCEPT of the same service on the same interfaces, with a peer not in this finding. */
  acceptedFromOtherPeers: boolean;
}
