import type { BlockingControl } from '../evaluate/verdict';
import type { Direction } from '../flow-log/flow-record';

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/**
 * FNV-1a, 64 bit, over the UTF-8 bytes of `text`, as 16 lower-case hex digits. Chosen because it
 * is tiny, deterministic and pure (the engine may not use node:crypto); fingerprints identify
 * findings, they are not a security boundary.
 */
export function fnv1a64Hex(text: string): string {
  let hash = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV64_PRIME) & MASK64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The control's identity: what the user would have to change, independent of input order. */
export function controlIdentity(control: BlockingControl): string {
  switch (control.control) {
    case 'security-group':
      return `sg:${[...control.groupIds].sort().join('+')}`;
    case 'network-acl':
      return `acl:${control.networkAclId}#${control.ruleNumber}`;
    case 'block-public-access':
      return 'bpa';
  }
}

/**
 * Whether two controls are one, in one direction: what `controlIdentity` and the direction tell
 * apart, compared field by field (group ids in any order: findings sort them, interfaces list them
 * in EC2's order), with no identity text made for each comparison.
 */
export function sameControl(a: BlockingControl, b: BlockingControl): boolean {
  if (a.direction !== b.direction) return false;
  switch (a.control) {
    case 'security-group':
      return b.control === 'security-group' && sameGroupIds(a.groupIds, b.groupIds);
    case 'network-acl':
      return b.control === 'network-acl' && a.networkAclId === b.networkAclId && a.ruleNumber === b.ruleNumber;
    case 'block-public-access':
      return b.control === 'block-public-access';
  }
}

/** The same groups, listed in any order (`controlIdentity` sorts them). */
function sameGroupIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.length === 1) return a[0] === b[0];
  const sorted = [...b].sort();
  return [...a].sort().every((id, i) => id === sorted[i]);
}

/**
 * A finding's fingerprint: FNV-1a 64 of `v1|<control identity>|<control direction>|<direction>|
 * <protocol>|<port or ->|<return or request>`. It changes only when the blocking control, the
 * traffic's direction, protocol, service port or its return-traffic nature change.
 */
export function findingFingerprint(
  control: BlockingControl,
  direction: Direction,
  protocol: number,
  port: number | null,
  returnTraffic: boolean,
): string {
  const parts = [
    'v1',
    controlIdentity(control),
    control.direction,
    direction,
    String(protocol),
    port === null ? '-' : String(port),
    returnTraffic ? 'return' : 'request',
  ];
  return fnv1a64Hex(parts.join('|'));
}
