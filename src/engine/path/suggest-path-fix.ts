import type { ExplainContext } from '../evaluate/explain-flow';
import { explainFlow } from '../evaluate/explain-flow';
import { ReturnTrafficIndex } from '../evaluate/return-traffic-index';
import type { ExplainedFlow } from '../findings/explained-flow';
import { type FindingGroup, groupBlockedFlows } from '../findings/finding-group';
import type { Direction, FlowAggregate } from '../flow-log/flow-record';
import { whatIfRecord } from '../flow-log/what-if-record';
import { EPHEMERAL_RANGES } from '../fixes/ephemeral-range.util';
import type { FixChange, FixRisk, SuggestedFix } from '../fixes/fix';
import { allIcmpTypesRisk } from '../fixes/icmp-type.util';
import { NaclRuleNumberLedger } from '../fixes/nacl-rule-number-ledger';
import { type FixVerifier, renderedFix, suggestFix } from '../fixes/suggest-fix';
import { risksOf } from '../fixes/verify-fix';
import { NetworkModel } from '../network/network-model';
import { icmpReplyType } from '../network/icmp-type';
import { isIcmp, protocolName } from '../network/protocol';
import { modelWithChanges, newlyReachableOf } from '../simulate/simulate';
import { SimulationError } from '../simulate/simulation.error';
import { type PathAnalysis, analyzePath } from './analyze-path';
import type { PathHop } from './path-result';
import type { NetworkInterface } from '../network/snapshot';

/** One packet of the path at one interface, as `pathRecord` writes its record. */
interface PathPacket {
  interfaceId: string;
  direction: Direction;
  src: string;
  dst: string;
  reply: boolean;
  action: 'ACCEPT' | 'REJECT';
  /** The client's ports at this interface: the gateway's own behind a NAT gateway. */
  clientPorts: { from: number; to: number } | null;
  /** For a reply, a client port the NACL at this interface refuses. */
  refusedClientPort?: number | null;
}

/**
 * The flow-log record the interface would write for a packet of the path: the request (SYN, the
 * service port on the destination side, the client's port range as the collapsed ephemeral side)
 * or its reply (SYN-ACK, service port on the source side). The record's client port is the range's
 * first, or `refusedClientPort`: for a reply, a port the NACL at that interface refuses, so the
 * record is refused where the path is, whichever part of the range each side's NACL refuses.
 */
function pathRecord(analysis: PathAnalysis, packet: PathPacket): FlowAggregate {
  const { protocol, port } = analysis.query;
  // The ICMP type the question names, and the answer's for the reply (echo 8 -> 0): rules that name types decide for it.
  const icmpType = isIcmp(protocol) ? (packet.reply ? icmpReplyType(protocol, port) : port) : null;
  return whatIfRecord({
    interfaceId: packet.interfaceId,
    direction: packet.direction,
    srcaddr: packet.src,
    dstaddr: packet.dst,
    protocol,
    reply: packet.reply,
    action: packet.action,
    servicePort: port,
    clientPorts: packet.clientPorts,
    clientPort: packet.refusedClientPort ?? null,
    icmpType,
  });
}

const denies = (hops: PathHop[], interfaceId: string, direction: Direction): boolean =>
  hops.some((h) => h.verdict === 'deny' && h.hop !== 'route' && h.interfaceId === interfaceId && h.direction === direction);

/** The first client port the reply's NACL hop at this interface refuses (null: not a range hop). */
function refusedPort(hops: PathHop[], interfaceId: string, direction: Direction): number | null {
  const hop = hops.find(
    (h) => h.verdict === 'deny' && h.hop === 'network-acl' && h.interfaceId === interfaceId && h.direction === direction,
  );
  return hop?.segments?.find((s) => s.action === 'deny')?.from ?? null;
}

const opposite = (direction: Direction): Direction => (direction === 'ingress' ? 'egress' : 'ingress');

/**
 * The records each interface of the path would write: the request at every interface it crosses
 * (both ends, and a NAT gateway's two sides: in from the source, out to the destination from the
 * gateway's own address and ports 1024-65535), and the reply where only the reply is refused.
 */
function pathRecords(analysis: PathAnalysis): { rejected: FlowAggregate[]; accepted: FlowAggregate[] } {
  const rejected: FlowAggregate[] = [];
  const accepted: FlowAggregate[] = [];
  /** The request from `src` to `dst` as `interfaceId` sees it going `direction`, and its reply. */
  const crossing = (
    interfaceId: string | undefined,
    direction: Direction,
    src: string | undefined,
    dst: string | undefined,
    clientPorts: { from: number; to: number } | null,
  ): void => {
    if (!interfaceId || !src || !dst) return;
    const blocked = denies(analysis.hops, interfaceId, direction);
    const request = { interfaceId, direction, src, dst, reply: false, clientPorts };
    (blocked ? rejected : accepted).push(pathRecord(analysis, { ...request, action: blocked ? 'REJECT' : 'ACCEPT' }));
    // A refused request's fix covers its reply through this subnet already (suggestChanges).
    const back = opposite(direction);
    if (!blocked && denies(analysis.reply.hops, interfaceId, back)) {
      const refusedClientPort = refusedPort(analysis.reply.hops, interfaceId, back);
      rejected.push(
        pathRecord(analysis, { ...request, direction: back, src: dst, dst: src, reply: true, action: 'REJECT', refusedClientPort }),
      );
    }
  };
  const src = analysis.source.address?.key;
  const dst = analysis.destination.address?.key;
  crossing(analysis.source.eni?.NetworkInterfaceId, 'egress', src, dst, analysis.clientPorts);
  const nat = analysis.natGateway;
  // Through NAT64 (64:ff9b::/96) the gateway's subnet sees IPv4 packets to the embedded address,
  // which no record of the path's IPv6 addresses would stand for: no entry is proposed there, so
  // a path only that NACL refuses stays unverified rather than fixed on the wrong family.
  if (nat && dst !== undefined && !dst.includes(':')) {
    crossing(nat.NetworkInterfaceId, 'ingress', src, dst, analysis.clientPorts);
    const natPorts = analysis.clientPorts && { ...EPHEMERAL_RANGES.elbNat };
    crossing(nat.NetworkInterfaceId, 'egress', nat.PrivateIpAddress, dst, natPorts);
  }
  crossing(analysis.destination.eni?.NetworkInterfaceId, 'ingress', analysis.sourceSeen?.key, dst, analysis.clientPorts);
  // A transit gateway's attachment subnets apart from the ends: the records its interface there
  // would write (see attachmentInterfaces), the request's and, where refused, the reply's.
  for (const { hop, reply } of analysis.attachmentCrossings) {
    const interfaceId = attachmentInterfaceId(analysis, hop);
    if (!interfaceId || !src || !dst) continue;
    const blocked = hop.verdict === 'deny';
    const request = { interfaceId, direction: hop.direction, src, dst, reply: false, clientPorts: analysis.clientPorts };
    if (!reply) (blocked ? rejected : accepted).push(pathRecord(analysis, { ...request, action: blocked ? 'REJECT' : 'ACCEPT' }));
    else if (blocked) {
      const refusedClientPort = hop.segments?.find((s) => s.action === 'deny')?.from ?? null;
      rejected.push(pathRecord(analysis, { ...request, src: dst, dst: src, reply: true, action: 'REJECT', refusedClientPort }));
    }
  }
  return { rejected, accepted };
}

/** The id of the transit gateway's interface an attachment subnet's hop stands at: the listed one, else the one attachmentInterfaces adds. */
function attachmentInterfaceId(analysis: PathAnalysis, hop: PathHop): string | null {
  const crossing = analysis.attachmentCrossings.find((c) => c.hop === hop);
  if (!crossing?.subnetId) return null;
  return crossing.gatewayInterface?.NetworkInterfaceId ?? `${crossing.attachmentId} in ${crossing.subnetId}`;
}

/**
 * The transit gateway interfaces of the attachment subnets the path crosses that the snapshot does
 * not list (a snapshot scoped to some interfaces), as EC2 describes one (interface type
 * `transit_gateway`, no groups), so their records can be explained and fixed like any; empty when
 * every one is listed.
 */
function attachmentInterfaces(analysis: PathAnalysis, model: NetworkModel): NetworkInterface[] {
  const added: NetworkInterface[] = [];
  for (const crossing of analysis.attachmentCrossings) {
    const id = attachmentInterfaceId(analysis, crossing.hop);
    if (crossing.gatewayInterface || !crossing.subnetId || crossing.hop.verdict !== 'deny' || !id) continue;
    if (added.some((n) => n.NetworkInterfaceId === id)) continue;
    added.push({
      NetworkInterfaceId: id,
      SubnetId: crossing.subnetId,
      VpcId: model.subnet(crossing.subnetId)?.VpcId,
      InterfaceType: 'transit_gateway',
      Description: `Network Interface for Transit Gateway Attachment ${crossing.attachmentId}`,
      Groups: [],
    });
  }
  return added;
}

/** Why a path's fix opens every ICMP type: the question names none, or the type it names gets no answer of a known type. */
function allIcmpTypesReason(query: PathAnalysis['query']): string {
  if (query.port === null) return 'the question names no ICMP type (give one as the port)';
  return `the reply to ${protocolName(query.protocol)} type ${query.port} has no type sgdoctor knows`;
}

/**
 * The records by ICMP type (all in one list for other protocols): a path whose request and reply
 * cross one NACL the same way (two subnets sharing a NACL, one end's request and the other's
 * reply both leaving by it; an interface asked at its own public address) then gets an entry for
 * each of the two types, where one group of both would get one entry for every type.
 */
function byIcmpType(explained: ExplainedFlow[]): ExplainedFlow[][] {
  const lists = new Map<number | null, ExplainedFlow[]>();
  for (const item of explained) {
    const type = item.flow.icmpType ?? null;
    const list = lists.get(type);
    if (list) list.push(item);
    else lists.set(type, [item]);
  }
  return [...lists.values()];
}

/** Security-group rule descriptions name the path, not observed rejects. */
function describedForPath(changes: FixChange[]): FixChange[] {
  return JSON.parse(JSON.stringify(changes).replace(/sgdoctor: observed rejects/g, 'sgdoctor: path')) as FixChange[];
}

/**
 * The smallest verified change that opens a blocked path, from the fix engine findings use: the
 * records the path's interfaces would write are explained and grouped like observed flows, each
 * group gets its least-privilege fix (a referenced group or the narrowest CIDR, NACL entries
 * numbered before the first matching deny, the reply's ephemeral range), and the changes together
 * are applied to one copy of the snapshot: `verified` only when the path, request and reply, is then
 * allowed; `risks` are what each group's changes open there, as for findings. Null when the path is not blocked by a security group or NACL, or no change could be built.
 */
export function suggestPathFix(model: NetworkModel, analysis: PathAnalysis): SuggestedFix | null {
  if (analysis.verdict !== 'blocked') return null;
  const { rejected, accepted } = pathRecords(analysis);
  if (rejected.length === 0) return null;
  const unlisted = attachmentInterfaces(analysis, model);
  // The records' model: the path's, with the transit gateway interfaces some of them stand at.
  const recorded =
    unlisted.length > 0
      ? NetworkModel.fromSnapshot({ ...model.snapshot, NetworkInterfaces: [...(model.snapshot.NetworkInterfaces ?? []), ...unlisted] })
      : model;
  const ctx: ExplainContext = { returnTraffic: ReturnTrafficIndex.fromFlows(accepted) };
  const explained: ExplainedFlow[] = rejected.map((flow) => ({ flow, verdict: explainFlow(recorded, flow, ctx) }));
  // The path is verified once, as a whole, below: the groups' own simulations would only repeat it.
  const deferred: FixVerifier = () => ({ verified: false, risks: [] });
  const ledger = new NaclRuleNumberLedger();
  const fixes: { group: FindingGroup; changes: FixChange[] }[] = [];
  for (const group of byIcmpType(explained).flatMap(groupBlockedFlows)) {
    // The records stand at both ends of the path already: no group's fix opens the other end for it.
    const fix = suggestFix(recorded, group, deferred, ledger, { farEnd: false });
    if (fix) fixes.push({ group, changes: describedForPath(fix.changes) });
  }
  const changes = fixes.flatMap((f) => f.changes);
  if (changes.length === 0) return null;
  const risks: FixRisk[] = [];
  const allTypes = allIcmpTypesRisk(changes, allIcmpTypesReason(analysis.query));
  if (allTypes) risks.push(allTypes);
  let verified = false;
  try {
    const after = modelWithChanges(recorded, changes);
    for (const { group, changes: own } of fixes) {
      for (const risk of risksOf(recorded, group, newlyReachableOf(after, own, recorded)))
        if (!risks.some((r) => r.message === risk.message)) risks.push(risk);
    }
    const again = analyzePath(recorded === model ? after : modelWithChanges(model, changes), analysis.query);
    verified = again.verdict === 'allowed';
    if (!verified)
      risks.push({ kind: 'path-still-blocked', message: `after the change the path is still ${again.verdict}: ${again.reason}` });
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    risks.push({ kind: 'invalid-change', message: `EC2 would refuse the change: ${error.message}`, code: error.code });
  }
  return renderedFix(model, changes, { verified, risks });
}

/** Path analysis with the suggested fix of a blocked path. */
export function explainPath(model: NetworkModel, query: PathAnalysis['query']): PathAnalysis {
  const analysis = analyzePath(model, query);
  analysis.suggestedFix = suggestPathFix(model, analysis);
  return analysis;
}
