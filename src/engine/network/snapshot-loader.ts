import type { z } from 'zod';
import { networkSnapshotSchema } from './snapshot-schema';
import { SnapshotValidationError } from './snapshot-validation.error';
import type { NetworkSnapshot } from './snapshot';

/**
 * Top-level keys that other EC2 commands print for the same data: `describe-managed-prefix-lists`
 * prints `PrefixLists`.
 */
const ALIASES: Record<string, string> = { PrefixLists: 'ManagedPrefixLists' };

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
  // A failing union/refinement may carry nested issues with a deeper path.
  const nested = (issue as { errors?: { path: PropertyKey[]; message: string }[][] }).errors?.[0]?.[0];
  if (nested) return { path: formatJsonPath([...path, ...nested.path]), message: nested.message };
  return { path: formatJsonPath(path), message: issue.message };
}

/**
 * Checks that `input` is a network snapshot (DESIGN.md, "Network snapshot JSON") and returns it
 * typed. Throws `SnapshotValidationError` naming the first wrong member's JSON path.
 */
export function validateSnapshot(input: unknown, part: number | null = null): NetworkSnapshot {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SnapshotValidationError('', 'a snapshot is a JSON object whose keys are EC2 result members (SecurityGroups, NetworkAcls, …)', part);
  }
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (IGNORED.has(key)) continue;
    renamed[ALIASES[key] ?? key] = value;
  }
  const result = networkSnapshotSchema.safeParse(renamed);
  if (!result.success) {
    const { path, message } = firstIssue(result.error);
    throw new SnapshotValidationError(path, message, part);
  }
  return result.data as NetworkSnapshot;
}

/**
 * Validates each part (one per file, e.g. the output of several `aws ec2 describe-…` commands)
 * and merges their top-level keys: arrays are concatenated, `PrefixListEntries` objects merged
 * (a later part's entries for the same prefix list replace earlier ones).
 */
export function mergeSnapshots(parts: unknown[]): NetworkSnapshot {
  const merged: Record<string, unknown> = {};
  parts.forEach((raw, index) => {
    const part = validateSnapshot(raw, parts.length > 1 ? index : null) as Record<string, unknown>;
    for (const [key, value] of Object.entries(part)) {
      const existing = merged[key];
      if (Array.isArray(value)) merged[key] = Array.isArray(existing) ? [...existing, ...value] : [...value];
      else if (key === 'PrefixListEntries') merged[key] = { ...((existing as object) ?? {}), ...(value as object) };
      else merged[key] = value;
    }
  });
  return merged as NetworkSnapshot;
}
