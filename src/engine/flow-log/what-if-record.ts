import { PROTOCOL_TCP, rulesHavePorts } from '../network/protocol';
import type { Direction, FlowAggregate } from './flow-record';

const TCP_SYN = 2;
const TCP_SYN_ACK = 18;

/** A packet of a connection the engine asks about (a path, a fix's far end), not one read from a log. */
export interface WhatIfPacket {
  interfaceId: string;
  direction: Direction;
  srcaddr: string;
  dstaddr: string;
  protocol: number;
  /** The request (false) or its reply (true). */
  reply: boolean;
  action: 'ACCEPT' | 'REJECT';
  /** The service's port; ignored for protocols without ports. */
  servicePort: number | null;
  /** The client's ports observed, kept as the collapsed ephemeral side; null when not known. */
  clientPorts: { from: number; to: number } | null;
  /** The client port this packet uses: `clientPorts.from` unless given. */
  clientPort?: number | null;
  /** The ICMP type of the packet, when known. */
  icmpType: number | null;
}

/**
 * The flow-log record the interface would write for one packet of a connection: the request (a
 * SYN for TCP, the service port on the destination side) or its reply (a SYN-ACK, the service port
 * on the source side), the client's observed ports as the collapsed ephemeral side.
 */
export function whatIfRecord(packet: WhatIfPacket): FlowAggregate {
  const { protocol, reply, clientPorts, icmpType } = packet;
  const ported = rulesHavePorts(protocol);
  const service = ported ? packet.servicePort : null;
  const client = ported && clientPorts ? (packet.clientPort ?? clientPorts.from) : null;
  return {
    interfaceId: packet.interfaceId,
    accountId: null,
    vpcId: null,
    subnetId: null,
    flowDirection: packet.direction,
    srcaddr: packet.srcaddr,
    dstaddr: packet.dstaddr,
    srcport: reply ? service : client,
    dstport: reply ? client : service,
    protocol,
    action: packet.action,
    tcpFlags: protocol === PROTOCOL_TCP ? (reply ? TCP_SYN_ACK : TCP_SYN) : null,
    rejectReason: null,
    servicePortSide: reply ? 'src' : 'dst',
    ephemeralPortMin: ported ? (clientPorts?.from ?? null) : null,
    ephemeralPortMax: ported ? (clientPorts?.to ?? null) : null,
    records: 1,
    packets: 1,
    bytes: 0,
    firstSeen: 0,
    lastSeen: 0,
    ...(icmpType !== null ? { icmpType } : {}),
  };
}
