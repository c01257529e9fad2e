import { PROTOCOL_ICMP, PROTOCOL_ICMPV6 } from './protocol';

/**
 * ICMP (RFC 792, 950) and ICMPv6 (RFC 4443) types that have code 0 only: echo, timestamp,
 * information and address mask requests and their replies; ICMPv6 echo request and reply.
 */
const CODE_ZERO_ONLY: Record<number, ReadonlySet<number>> = {
  [PROTOCOL_ICMP]: new Set([0, 8, 13, 14, 15, 16, 17, 18]),
  [PROTOCOL_ICMPV6]: new Set([128, 129]),
};

/** The reply type of each request type that gets one (echo 8 → 0, timestamp 13 → 14, …; ICMPv6 echo 128 → 129). */
const REPLY_TYPE: Record<number, Readonly<Record<number, number>>> = {
  [PROTOCOL_ICMP]: { 8: 0, 13: 14, 15: 16, 17: 18 },
  [PROTOCOL_ICMPV6]: { 128: 129 },
};

/** The type of the answer to an ICMP request of `type`; null when the type is unknown or gets no answer. */
export function icmpReplyType(protocol: number, type: number | null): number | null {
  if (type === null) return null;
  return REPLY_TYPE[protocol]?.[type] ?? null;
}

/**
 * Does a message of `type` get an answer that must come back through the controls? True for the
 * request types (echo, timestamp, information, address mask; ICMPv6 echo) and when the type is not
 * known (null: any type may be asked); false for every other type — replies, errors (destination
 * unreachable, time exceeded …), redirects and the like, which travel one way only.
 */
export function icmpExpectsReply(protocol: number, type: number | null): boolean {
  return type === null || REPLY_TYPE[protocol]?.[type] !== undefined;
}

/**
 * Does a rule's ICMP type and code cover every packet of `type` (whatever its code)? AWS's
 * semantics: a security group's FromPort is the type and ToPort the code, a NACL entry's
 * IcmpTypeCode has Type and Code; -1 (or absent) means any. `code` when the rule names the type
 * but only one code of it, and the type has others: a question that names the type alone cannot
 * tell.
 */
export function icmpTypeCodeCovers(
  protocol: number,
  ruleType: number | undefined,
  ruleCode: number | undefined,
  type: number,
): boolean | 'code' {
  if (ruleType === undefined || ruleType === -1) return true;
  if (ruleType !== type) return false;
  if (ruleCode === undefined || ruleCode === -1) return true;
  return ruleCode === 0 && (CODE_ZERO_ONLY[protocol]?.has(type) ?? false) ? true : 'code';
}
