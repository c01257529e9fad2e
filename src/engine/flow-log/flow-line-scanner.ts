import { parseCountBytes } from './flow-count';
import { DEFAULT_FORMAT, FlowLogFormat } from './flow-log-fields';
import { isIpv6Address } from '../ip/ip-address';

/*
 * The byte-level fast path of reading flow logs: the action scan that lets a reader skip lines
 * whose action it does not need, and the line scanner that reads the fields aggregation needs
 * straight from a line's bytes. Each accepts only what the reference line parser
 * (flow-log-parser.ts) reads the same way, and returns "not mine" for the rest, which then goes to
 * that parser; property tests hold the two equal.
 */

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_DOT = 46;
const CODE_SPACE = 32;
const CODE_CR = 13;

/** Longest decimal that can still be a safe integer (the line parser's limit). */
const MAX_DIGITS = 16;

/**
 * What the fast action scan found in a line: `Other` when the action field is neither ACCEPT nor
 * REJECT (`-`, garbage, or the line is too short).
 */
export const ActionToken = { Other: 0, Accept: 1, Reject: 2 } as const;
export type ActionToken = (typeof ActionToken)[keyof typeof ActionToken];

const ACCEPT_BYTES = [65, 67, 67, 69, 80, 84];
const REJECT_BYTES = [82, 69, 74, 69, 67, 84];

function tokenEquals(bytes: Uint8Array, start: number, end: number, expected: readonly number[]): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

export type ActionScanner = (bytes: Uint8Array, start: number, end: number) => ActionToken;

/**
 * A scanner that finds the `action` field of a line held in a byte buffer without splitting the line
 * or decoding it: it walks separators from the nearer end of the line to the action position. It lets
 * a reader skip, cheaply, the lines whose action it does not need; every line it keeps is then fully
 * parsed (and validated) by the line parser. Returns null when the format has no action field.
 */
export function createActionScanner(format: FlowLogFormat = DEFAULT_FORMAT): ActionScanner | null {
  const position = format.positions['action'];
  if (position === undefined) return null;
  const fromEnd = format.fields.length - 1 - position;
  const scanFromEnd = fromEnd < position;

  const classify = (bytes: Uint8Array, s: number, e: number): ActionToken =>
    tokenEquals(bytes, s, e, REJECT_BYTES)
      ? ActionToken.Reject
      : tokenEquals(bytes, s, e, ACCEPT_BYTES)
        ? ActionToken.Accept
        : ActionToken.Other;

  if (scanFromEnd) {
    return (bytes, start, end) => {
      let p = end;
      if (p > start && bytes[p - 1] === CODE_CR) p--;
      while (p > start && bytes[p - 1] === CODE_SPACE) p--;
      for (let t = 0; ; t++) {
        const tokenEnd = p;
        while (p > start && bytes[p - 1] !== CODE_SPACE) p--;
        if (t === fromEnd) return classify(bytes, p, tokenEnd);
        while (p > start && bytes[p - 1] === CODE_SPACE) p--;
        if (p <= start) return ActionToken.Other;
      }
    };
  }
  return (bytes, start, end) => {
    let p = start;
    if (end > start && bytes[end - 1] === CODE_CR) end--;
    while (p < end && bytes[p] === CODE_SPACE) p++;
    for (let t = 0; ; t++) {
      const tokenStart = p;
      while (p < end && bytes[p] !== CODE_SPACE) p++;
      if (t === position) return classify(bytes, tokenStart, p);
      while (p < end && bytes[p] === CODE_SPACE) p++;
      if (p >= end) return ActionToken.Other;
    }
  };
}

/**
 * The fields of one line that aggregation and read statistics need, read straight from the line's
 * bytes: strings as `[start, end)` spans into `bytes` (start -1 when the field is `-` or absent),
 * numbers as values (-1 when `-` or absent), enumerations as small codes (0 when `-` or absent).
 * A scanner refills and returns the same object for every line: copy what you keep.
 */
export interface ScannedFlow {
  bytes: Uint8Array;
  interfaceStart: number;
  interfaceEnd: number;
  srcaddrStart: number;
  srcaddrEnd: number;
  dstaddrStart: number;
  dstaddrEnd: number;
  accountStart: number;
  accountEnd: number;
  vpcStart: number;
  vpcEnd: number;
  subnetStart: number;
  subnetEnd: number;
  reasonStart: number;
  reasonEnd: number;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  byteCount: number;
  start: number;
  end: number;
  tcpFlags: number;
  /** ActionToken: Accept 1, Reject 2, Other 0 (`-` or absent). */
  action: ActionToken;
  /** LogStatusCode: 0 when `-` or absent. */
  logStatus: number;
  /** DirectionCode: 0 when `-` or absent. */
  direction: number;
}

/** `log-status` as ScannedFlow carries it (the order of the field's documented values, from 1). */
export const LogStatusCode = { None: 0, Ok: 1, NoData: 2, SkipData: 3 } as const;
/** `flow-direction` as ScannedFlow carries it (the order of the field's documented values, from 1). */
export const DirectionCode = { None: 0, Ingress: 1, Egress: 2 } as const;

/**
 * Reads one line (`bytes[start, end)`, without its newline) into the scanner's ScannedFlow, or
 * returns null when the line is not a plain valid record: then the line parser must read it (it
 * either parses it, e.g. irregular spacing, or reports why it is malformed).
 */
export type FlowLineScanner = (bytes: Uint8Array, start: number, end: number) => ScannedFlow | null;

function emptyScannedFlow(): ScannedFlow {
  return {
    bytes: new Uint8Array(0),
    interfaceStart: -1,
    interfaceEnd: -1,
    srcaddrStart: -1,
    srcaddrEnd: -1,
    dstaddrStart: -1,
    dstaddrEnd: -1,
    accountStart: -1,
    accountEnd: -1,
    vpcStart: -1,
    vpcEnd: -1,
    subnetStart: -1,
    subnetEnd: -1,
    reasonStart: -1,
    reasonEnd: -1,
    srcport: -1,
    dstport: -1,
    protocol: -1,
    packets: -1,
    byteCount: -1,
    start: -1,
    end: -1,
    tcpFlags: -1,
    action: ActionToken.Other,
    logStatus: LogStatusCode.None,
    direction: DirectionCode.None,
  };
}

const enum FieldKind {
  Text,
  Number,
  /** A 64-bit count (packets, bytes): parseCount's rules. */
  Count,
  OneOf,
  Address,
}

/** Where a scanned field goes in ScannedFlow (Ignored: validated only). */
const enum FieldRole {
  Ignored,
  Interface,
  Srcaddr,
  Dstaddr,
  Account,
  Vpc,
  Subnet,
  Reason,
  Srcport,
  Dstport,
  Protocol,
  Packets,
  Bytes,
  Start,
  End,
  TcpFlags,
  Action,
  LogStatus,
  Direction,
}

const ROLES: Readonly<Record<string, FieldRole>> = {
  'interface-id': FieldRole.Interface,
  srcaddr: FieldRole.Srcaddr,
  dstaddr: FieldRole.Dstaddr,
  'account-id': FieldRole.Account,
  'vpc-id': FieldRole.Vpc,
  'subnet-id': FieldRole.Subnet,
  'reject-reason': FieldRole.Reason,
  srcport: FieldRole.Srcport,
  dstport: FieldRole.Dstport,
  protocol: FieldRole.Protocol,
  packets: FieldRole.Packets,
  bytes: FieldRole.Bytes,
  start: FieldRole.Start,
  end: FieldRole.End,
  'tcp-flags': FieldRole.TcpFlags,
  action: FieldRole.Action,
  'log-status': FieldRole.LogStatus,
  'flow-direction': FieldRole.Direction,
};

const CODE_DASH = 45;
const CODE_COLON = 58;
/** DEL; with every byte from it up (not ASCII) and every one below the space, not printable. */
const CODE_DEL = 127;

/** Byte-level twin of isIpv4Address. */
function isIpv4Bytes(bytes: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  if (len < 7 || len > 15) return false;
  let octets = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? CODE_DOT : bytes[i];
    if (c === CODE_DOT) {
      if (digits === 0 || value > 255) return false;
      octets++;
      digits = 0;
      value = 0;
    } else if (c >= CODE_0 && c <= CODE_9) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - CODE_0);
      digits++;
      if (digits > 3) return false;
    } else {
      return false;
    }
  }
  return octets === 4;
}

const textDecoder = new TextDecoder();

/** The text of `bytes[start, end)`, decoded as UTF-8 (the line parser's decoding). */
export function textOf(bytes: Uint8Array, start: number, end: number): string {
  return textDecoder.decode(bytes.subarray(start, end));
}

function isAddressBytes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    // IPv6 is rare in flow logs: validate it with the text parser rather than twice the code.
    if (bytes[i] === CODE_COLON) return isIpv6Address(textOf(bytes, start, end));
  }
  return isIpv4Bytes(bytes, start, end);
}

/** Value of a strict decimal token (the rules of parseUnsigned), or -1. */
function unsignedBytes(bytes: Uint8Array, start: number, end: number, max: number): number {
  const len = end - start;
  if (len > MAX_DIGITS) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c < CODE_0 || c > CODE_9) return -1;
    value = value * 10 + (c - CODE_0);
  }
  return value > max ? -1 : value;
}

/** 1 + the index of the value the token spells, or 0. */
function oneOfBytes(bytes: Uint8Array, start: number, end: number, values: readonly (readonly number[])[]): number {
  for (let v = 0; v < values.length; v++) if (tokenEquals(bytes, start, end, values[v])) return v + 1;
  return 0;
}

/**
 * A byte-level scanner for the lines of one format: the fast path of aggregation, which reads the
 * fields aggregation needs without decoding the line or building a FlowRecord. It accepts only
 * lines the line parser reads the same way token for token — single spaces, printable ASCII,
 * every field valid by the same rules — and returns null for anything else, so the two never disagree: a null
 * line goes to the line parser.
 */
export function createFlowLineScanner(format: FlowLogFormat = DEFAULT_FORMAT): FlowLineScanner {
  const fields = format.fields;
  const count = fields.length;
  const kinds = fields.map((f) =>
    f.count
      ? FieldKind.Count
      : f.type === 'number'
        ? FieldKind.Number
        : f.values
          ? FieldKind.OneOf
          : f.address
            ? FieldKind.Address
            : FieldKind.Text,
  );
  const maxima = fields.map((f) => f.max ?? Number.MAX_SAFE_INTEGER);
  const values = fields.map((f) => (f.values ?? []).map((v) => Array.from(v, (ch) => ch.charCodeAt(0))));
  const roles = format.names.map((name) => ROLES[name] ?? FieldRole.Ignored);
  const flow = emptyScannedFlow();

  return (bytes, start, end) => {
    if (end <= start || bytes[end - 1] === CODE_CR) return null;
    flow.bytes = bytes;
    let p = start;
    for (let i = 0; i < count; i++) {
      const s = p;
      while (p < end) {
        const c = bytes[p];
        if (c === CODE_SPACE) break;
        // Not printable ASCII: ids may not hold it, free text may; the line parser decides.
        if (c < CODE_SPACE || c >= CODE_DEL) return null;
        p++;
      }
      const e = p;
      if (e === s) return null;
      if (i < count - 1) {
        if (p === end) return null;
        p++;
      } else if (p !== end) {
        return null;
      }

      const dash = e - s === 1 && bytes[s] === CODE_DASH;
      let number = -1;
      let code = 0;
      switch (kinds[i]) {
        case FieldKind.Number:
          if (!dash && (number = unsignedBytes(bytes, s, e, maxima[i])) < 0) return null;
          break;
        case FieldKind.Count:
          if (!dash && (number = parseCountBytes(bytes, s, e)) < 0) return null;
          break;
        case FieldKind.OneOf:
          if (!dash && (code = oneOfBytes(bytes, s, e, values[i])) === 0) return null;
          break;
        case FieldKind.Address:
          if (!dash && !isAddressBytes(bytes, s, e)) return null;
          break;
      }
      const spanStart = dash ? -1 : s;
      switch (roles[i]) {
        case FieldRole.Ignored:
          break;
        case FieldRole.Interface:
          flow.interfaceStart = spanStart;
          flow.interfaceEnd = e;
          break;
        case FieldRole.Srcaddr:
          flow.srcaddrStart = spanStart;
          flow.srcaddrEnd = e;
          break;
        case FieldRole.Dstaddr:
          flow.dstaddrStart = spanStart;
          flow.dstaddrEnd = e;
          break;
        case FieldRole.Account:
          flow.accountStart = spanStart;
          flow.accountEnd = e;
          break;
        case FieldRole.Vpc:
          flow.vpcStart = spanStart;
          flow.vpcEnd = e;
          break;
        case FieldRole.Subnet:
          flow.subnetStart = spanStart;
          flow.subnetEnd = e;
          break;
        case FieldRole.Reason:
          flow.reasonStart = spanStart;
          flow.reasonEnd = e;
          break;
        case FieldRole.Srcport:
          flow.srcport = number;
          break;
        case FieldRole.Dstport:
          flow.dstport = number;
          break;
        case FieldRole.Protocol:
          flow.protocol = number;
          break;
        case FieldRole.Packets:
          flow.packets = number;
          break;
        case FieldRole.Bytes:
          flow.byteCount = number;
          break;
        case FieldRole.Start:
          flow.start = number;
          break;
        case FieldRole.End:
          flow.end = number;
          break;
        case FieldRole.TcpFlags:
          flow.tcpFlags = number;
          break;
        case FieldRole.Action:
          flow.action = code as ActionToken;
          break;
        case FieldRole.LogStatus:
          flow.logStatus = code;
          break;
        case FieldRole.Direction:
          flow.direction = code;
          break;
      }
    }
    // A window that ends before it starts is malformed: the line parser names it.
    if (flow.start > flow.end && flow.end >= 0) return null;
    return flow;
  };
}
