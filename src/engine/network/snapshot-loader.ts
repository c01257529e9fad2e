import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { NETWORK_SNAPSHOT_MEMBERS, snapshotFileSchema } from './snapshot-schema';
import { SnapshotValidationError } from './snapshot-validation.error';
import type { NetworkSnapshot } from './snapshot';

/**
 * Top-level keys that other commands print for the same data: `describe-managed-prefix-lists`
 * prints `PrefixLists`, `service-quotas list-service-quotas` `Quotas`.
 */
const ALIASES: Record<string, string> = { PrefixLists: 'ManagedPrefixLists', Quotas: 'ServiceQuotas' };

/** What to do with the members of other commands' output that look like snapshot data but cannot be read as it is. */
const HINTS: Record<string, string> = {
  Entries:
    ' (get-managed-prefix-list-entries prints the entries without the prefix list id: give them as ' +
    '{"PrefixListEntries": {"pl-…": [{"Cidr": …}]}})',
};

/** Paging and response metadata that `aws ec2 describe-…` may print beside the results. */
const IGNORED = new Set(['NextToken', 'ResponseMetadata', '$metadata']);

/** `SecurityGroups[3].IpPermissions[0].FromPort` from a zod issue path. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path as PropertyKey[];
  // A failing union/refinement (or a record's key) may carry nested issues with a deeper path.
  type Nested = { path: PropertyKey[]; message: string };
  const nested = (issue as { errors?: Nested[][] }).errors?.[0]?.[0] ?? (issue as { issues?: Nested[] }).issues?.[0];
  if (nested) return { path: formatJsonPath([...path, ...nested.path]), message: nested.message };
  return { path: formatJsonPath(path), message: issue.message };
}

/**
 * Checks that `input` is a network snapshot (DESIGN.md, "Network snapshot JSON") and returns it
 * typed. Throws `SnapshotValidationError` naming the first wrong member's JSON path.
 */
export function validateSnapshot(input: unknown, part: number | null = null): NetworkSnapshot {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SnapshotValidationError(
      '',
      'a snapshot is a JSON object whose keys are EC2 result members (SecurityGroups, NetworkAcls, …)',
      part,
    );
  }
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (IGNORED.has(key)) continue;
    renamed[ALIASES[key] ?? key] = value;
  }
  const result = snapshotFileSchema.safeParse(renamed);
  if (!result.success) {
    const { path, message } = firstIssue(result.error);
    throw new SnapshotValidationError(path, message, part);
  }
  // `service-quotas get-service-quota` prints one quota as `Quota`: checked where it is (a wrong
  // value is named `Quota.Value`), then one of the snapshot's ServiceQuotas.
  const { Quota, ...snapshot } = result.data as Record<string, unknown>;
  if (Quota !== undefined) snapshot.ServiceQuotas = [...((snapshot.ServiceQuotas as unknown[] | undefined) ?? []), Quota];
  return snapshot as NetworkSnapshot;
}

/** Members a snapshot must have after merging: without them every record would be `unknown`. */
export const REQUIRED_MEMBERS = ['SecurityGroups', 'NetworkAcls', 'NetworkInterfaces', 'Subnets'] as const;

/** The id member of each list of resources: the same id twice is one resource listed twice. */
/** The id member of each list of the snapshot contract (a resource described twice is recognised by it). */
export const ID_OF: Readonly<Record<string, string>> = {
  SecurityGroups: 'GroupId',
  SecurityGroupRules: 'SecurityGroupRuleId',
  NetworkAcls: 'NetworkAclId',
  NetworkInterfaces: 'NetworkInterfaceId',
  Subnets: 'SubnetId',
  Vpcs: 'VpcId',
  ManagedPrefixLists: 'PrefixListId',
  VpcPeeringConnections: 'VpcPeeringConnectionId',
  FlowLogs: 'FlowLogId',
  RouteTables: 'RouteTableId',
  TransitGateways: 'TransitGatewayId',
  TransitGatewayVpcAttachments: 'TransitGatewayAttachmentId',
  StaleSecurityGroupSet: 'GroupId',
  ServiceQuotas: 'QuotaArn',
};

const KNOWN_MEMBERS: readonly string[] = [...NETWORK_SNAPSHOT_MEMBERS, ...Object.keys(ALIASES), 'Quota', ...IGNORED];

export interface MergeSnapshotsOptions {
  /** Names of the parts (file names) for messages; default `snapshot part N`. */
  names?: readonly string[];
  /** Fail when a required member (REQUIRED_MEMBERS) is missing after merging. */
  requireMembers?: boolean;
  /** Unknown top-level members are an error instead of a warning. */
  strict?: boolean;
  /** Receives each warning (an unknown top-level member, which is ignored). */
  onWarning?: (message: string) => void;
}

/**
 * Validates each part (one per file, e.g. the output of several `aws ec2 describe-…` commands)
 * and merges their top-level keys: lists are concatenated, a resource listed more than once
 * (overlapping exports) is kept once when every listing is identical and is an error naming both
 * places when not (the verdict must not depend on file order); `PrefixListEntries` are merged by
 * prefix list the same way. A top-level member the contract does not name (`securityGroups`) is
 * ignored with a warning, or refused when `strict`. With `requireMembers`, a merged snapshot
 * without SecurityGroups, NetworkAcls, NetworkInterfaces or Subnets is refused naming them.
 */
export function mergeSnapshots(parts: unknown[], options: MergeSnapshotsOptions = {}): NetworkSnapshot {
  const nameOf = (index: number): string => options.names?.[index] ?? `snapshot part ${index + 1}`;
  const merged: Record<string, unknown> = {};
  const seen = new Map<string, { part: number; index: number; value: unknown }>();
  parts.forEach((raw, index) => {
    const part = validateSnapshot(raw, parts.length > 1 ? index : null) as Record<string, unknown>;
    for (const key of Object.keys(raw as object)) {
      if (KNOWN_MEMBERS.includes(key)) continue;
      const like = KNOWN_MEMBERS.find((known) => known.toLowerCase() === key.toLowerCase());
      const hint = like ? ` (did you mean ${JSON.stringify(like)}?)` : (HINTS[key] ?? '');
      const message = `${nameOf(index)}: unknown top-level member ${JSON.stringify(key)} ignored${hint}`;
      if (options.strict) throw new SnapshotValidationError('', message.replace(' ignored', ''));
      options.onWarning?.(message);
    }
    for (const [key, value] of Object.entries(part)) {
      if (!KNOWN_MEMBERS.includes(key) && !Object.values(ALIASES).includes(key)) continue;
      if (key === 'PrefixListEntries') {
        const entries = { ...((merged[key] as Record<string, unknown>) ?? {}) };
        for (const [id, list] of Object.entries(value as Record<string, unknown>)) {
          const earlier = seen.get(`${key}|${id}`);
          if (earlier && !isDeepStrictEqual(earlier.value, list)) {
            throw new SnapshotValidationError(key, `${id} is described differently in ${nameOf(earlier.part)} and ${nameOf(index)}`);
          }
          if (!earlier) seen.set(`${key}|${id}`, { part: index, index: 0, value: list });
          entries[id] = list;
        }
        merged[key] = entries;
      } else if (Array.isArray(value)) {
        const list = Array.isArray(merged[key]) ? [...(merged[key] as unknown[])] : [];
        const idMember = ID_OF[key];
        value.forEach((item, position) => {
          const id = idMember ? (item as Record<string, unknown>)[idMember] : undefined;
          if (typeof id !== 'string' || id === '') {
            list.push(item);
            return;
          }
          const earlier = seen.get(`${key}|${id}`);
          if (!earlier) {
            seen.set(`${key}|${id}`, { part: index, index: position, value: item });
            list.push(item);
          } else if (!isDeepStrictEqual(earlier.value, item)) {
            throw new SnapshotValidationError(
              key,
              `${id} is described differently in ${nameOf(earlier.part)} (${key}[${earlier.index}]) and ${nameOf(index)} (${key}[${position}])`,
            );
          }
        });
        merged[key] = list;
      } else {
        merged[key] = value;
      }
    }
  });
  if (options.requireMembers) {
    const missing = REQUIRED_MEMBERS.filter((member) => !Array.isArray(merged[member]));
    if (missing.length > 0) {
      throw new SnapshotValidationError('', `missing ${missing.join(', ')}`);
    }
  }
  return merged as NetworkSnapshot;
}

/**
 * The text of a JSON file whatever Windows tools wrote: UTF-8 with or without a byte-order mark
 * (PowerShell's `Out-File -Encoding utf8` writes one), UTF-16 LE or BE with a byte-order mark
 * (`Out-File` in Windows PowerShell 5), or UTF-16 without one (JSON starts with an ASCII
 * character, so a zero byte among the first two tells the order).
 */
export function decodeJsonText(bytes: Uint8Array): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 2 && bytes[0] === 0 && bytes[1] !== 0) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * The JSON documents of a snapshot file's text: one, or several written one after the other —
 * the pages of a `describe-…` command run with `--max-items`/`--starting-token` (or
 * `--no-paginate`) appended to one file with `>>`, each a snapshot part of its own. Throws the
 * SyntaxError JSON.parse gives for the whole text when it is not such a sequence.
 */
export function parseJsonDocuments(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch (error) {
    const documents = splitJsonDocuments(text);
    if (documents.length < 2) throw error;
    try {
      return documents.map((document) => JSON.parse(document) as unknown);
    } catch {
      throw error;
    }
  }
}

/** The top-level objects and arrays of `text`, as written; [] when anything else lies between them or one is not closed. */
function splitJsonDocuments(text: string): string[] {
  const documents: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (depth === 0) {
      if (ch === '{' || ch === '[') {
        start = i;
        depth = 1;
      } else if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') return [];
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if ((ch === '}' || ch === ']') && --depth === 0) documents.push(text.slice(start, i + 1));
  }
  return depth === 0 ? documents : [];
}
