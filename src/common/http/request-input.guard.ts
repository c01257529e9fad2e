import type { FieldError } from '../errors/app.error';

/** Deepest nesting of arrays and objects a request may carry; sgdoctor's own DTOs need 4. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Most properties an object of a request may have; sgdoctor's own DTOs and the EC2 requests a
 * simulation takes have a few dozen at most. class-transformer's time grows with the square of an
 * object's properties: a 1 MiB body of 60,000 unknown ones held the event loop for 10 seconds
 * (and was answered with an error for each, 4 MB), to any key that may read.
 */
export const MAX_OBJECT_PROPERTIES = 256;

/**
 * The first part of a request's input that no handler should see, or null: nesting deeper than
 * `maxDepth` (class-transformer recurses once per level and overflows the stack at a few thousand),
 * an object with more than MAX_OBJECT_PROPERTIES properties,
 * or in a string or a key a NUL character (PostgreSQL cannot store it in text or jsonb) or a lone
 * UTF-16 surrogate (JSON's `\ud83d` escape alone: it has no UTF-8 form, so PostgreSQL would store
 * U+FFFD in its place and answer later with text other than the one accepted).
 *
 * Walks with an explicit stack, so the check itself cannot overflow on what it refuses.
 */
export function findHostileInput(value: unknown, maxDepth = MAX_INPUT_DEPTH): FieldError | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const unstorable = unstorableText(item.value);
      if (unstorable) return { field: item.path || 'body', message: unstorable };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= maxDepth) {
      return { field: item.path || 'body', message: `is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((child, index) => stack.push({ value: child, path: `${item.path}[${index}]`, depth: item.depth + 1 }));
      continue;
    }
    const entries = Object.entries(item.value);
    if (entries.length > MAX_OBJECT_PROPERTIES) {
      return {
        field: item.path || 'body',
        message: `has ${entries.length} properties, more than the ${MAX_OBJECT_PROPERTIES} any object of the API takes`,
      };
    }
    for (const [key, child] of entries) {
      const path = item.path ? `${item.path}.${key}` : key;
      const unstorable = unstorableText(key);
      if (unstorable) return { field: path, message: unstorable };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why text cannot be stored as it is, or null when it can. */
function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (half of a character)';
  return null;
}
