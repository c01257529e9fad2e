import type { FlowAggregate } from '../flow-log/flow-record';
import { parseIp } from '../ip/ip-address';
import { keyPorts } from './flow-ports';

/**
 * Protocols other than TCP, UDP, ICMP and ICMPv6 are tracked by addresses and protocol only: the
 * peer's traffic counts as a response when it comes within 600 seconds of the tracked flow (EC2
 * User Guide, security group connection tracking). Past that it is a new flow the rules decide.
 */
export const ADDRESS_ONLY_RESPONSE_SECONDS = 600;

/** True for the protocols tracked without ports, whose responses must come within the window. */
export function isTrackedByAddressOnly(protocol: number): boolean {
  return protocol !== 1 && protocol !== 6 && protocol !== 17 && protocol !== 58;
}

/**
 * Keys of flows at their capturing interface: interface, protocol, source, destination and the two
 * ports with the ephemeral side wildcarded (the shared port-collapse rule), so aggregates that kept
 * different representative ephemeral ports still meet, and IPv6 addresses in one spelling.
 */
export class FlowKeys {
  private readonly canonical = new Map<string, string>();

  /** The flow's own key. */
  of(flow: FlowAggregate): string {
    const [sp, dp] = keyPorts(flow);
    return this.key(flow.interfaceId, flow.protocol, flow.srcaddr, flow.dstaddr, sp, dp);
  }

  /** The key of the reverse flow at the same interface: addresses and ports swapped. */
  reverseOf(flow: FlowAggregate): string {
    const [sp, dp] = keyPorts(flow);
    return this.key(flow.interfaceId, flow.protocol, flow.dstaddr, flow.srcaddr, dp, sp);
  }

  /**
   * One flat string: joined, not a template literal, whose result V8 keeps as a rope of its parts
   * (nine string objects a key, about 290 bytes, where the flat text takes about 70: 29 MB against
   * 7 for the 100,000 ACCEPT keys of a million-aggregate day, held for the whole analysis).
   */
  private key(eni: string, protocol: number, src: string, dst: string, sp: string, dp: string): string {
    return [eni, protocol, this.address(src), this.address(dst), sp, dp].join('|');
  }

  /** Canonical address text, so two spellings of one IPv6 address meet. */
  private address(text: string): string {
    if (!text.includes(':')) return text;
    let key = this.canonical.get(text);
    if (key === undefined) {
      key = parseIp(text)?.key ?? text;
      this.canonical.set(text, key);
    }
    return key;
  }
}

/**
 * The ACCEPTed flows of a data set, keyed so that a REJECTed flow can ask "was the reverse of
 * this flow accepted at the same interface?" — if so the rejected packets answer (or are answered
 * by) a connection that got through in the other direction, i.e. they are return traffic.
 *
 * Flows are keyed by `FlowKeys`.
 */
export class ReturnTrafficIndex {
  /** Key → bitwise OR of the accepted flows' `tcp-flags` (null while none carried the field). */
  private readonly accepted = new Map<string, number | null>();
  /** Key → [firstSeen, lastSeen] of each accepted flow, for the protocols tracked by address only. */
  private readonly acceptedSpans = new Map<string, [number, number][]>();
  /** Interfaces with at least one ACCEPT flow: their flow logs keep accepted traffic. */
  private readonly acceptingInterfaces = new Set<string>();
  private readonly keys = new FlowKeys();

  /** Indexes the ACCEPT flows among `flows` (REJECT flows are ignored). */
  static fromFlows(flows: Iterable<FlowAggregate>): ReturnTrafficIndex {
    const index = new ReturnTrafficIndex();
    for (const flow of flows) index.add(flow);
    return index;
  }

  /** Adds one flow if its action is ACCEPT. */
  add(flow: FlowAggregate): void {
    if (flow.action !== 'ACCEPT') return;
    this.acceptingInterfaces.add(flow.interfaceId);
    const key = this.keys.of(flow);
    const known = this.accepted.get(key);
    const flags = known === undefined || known === null ? flow.tcpFlags : flow.tcpFlags === null ? known : known | flow.tcpFlags;
    this.accepted.set(key, flags);
    if (isTrackedByAddressOnly(flow.protocol)) {
      const spans = this.acceptedSpans.get(key);
      if (spans) spans.push([flow.firstSeen, flow.lastSeen]);
      else this.acceptedSpans.set(key, [[flow.firstSeen, flow.lastSeen]]);
    }
  }

  get size(): number {
    return this.accepted.size;
  }

  /** True when the reverse of `flow` (addresses and ports swapped) was accepted at the same interface. */
  hasAcceptedReverse(flow: FlowAggregate): boolean {
    return this.acceptedReverse(flow) !== null;
  }

  /**
   * The accepted reverse of `flow` at the same interface, with the OR of its `tcp-flags` (null
   * when the log carries no flags), or null when the reverse was not accepted.
   */
  acceptedReverse(flow: FlowAggregate): { tcpFlags: number | null } | null {
    if (this.accepted.size === 0) return null;
    const key = this.keys.reverseOf(flow);
    const flags = this.accepted.get(key);
    if (flags === undefined) return null;
    if (isTrackedByAddressOnly(flow.protocol) && !this.acceptedSpans.get(key)?.some((span) => answersWithinWindow(flow, span))) return null;
    return { tcpFlags: flags };
  }

  /**
   * True when the index holds ACCEPT flows of `flow`'s interface and none of them, at any time, is
   * the reverse of `flow`. Of a reply, that is: nothing asked for it. Its request would be the
   * interface's own flow to the peer's port, which its groups and NACL let out (else no reply could
   * come) and its flow log then records as ACCEPT. False when the index holds no ACCEPT flow of the
   * interface (REJECT-only logs): nothing can be told.
   */
  lacksReverse(flow: FlowAggregate): boolean {
    return this.acceptingInterfaces.has(flow.interfaceId) && !this.accepted.has(this.keys.reverseOf(flow));
  }
}

/** Whether some of `flow` comes while the accepted span lasts or within the response window after it. */
function answersWithinWindow(flow: FlowAggregate, [firstSeen, lastSeen]: [number, number]): boolean {
  return flow.lastSeen >= firstSeen && flow.firstSeen <= lastSeen + ADDRESS_ONLY_RESPONSE_SECONDS;
}
