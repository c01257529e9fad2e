/**
 * Turns an SDK response member into plain JSON data: drops `$metadata` and undefined members,
 * and writes dates as ISO strings. The result equals its own JSON round trip, so a snapshot taken
 * live and one loaded from an exported file compare equal and store as-is.
 */
export function toPlainJson<T>(value: T): T {
  return convert(value) as T;
}

function convert(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (key === '$metadata' || member === undefined) continue;
      out[key] = convert(member);
    }
    return out;
  }
  return value;
}
