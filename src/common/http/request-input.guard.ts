import type { FieldError } from '../errors/app.error';

/** Deepest nesting of arrays and objects a request may carry; sgdoctor's own DTOs need 4. */
export const MAX_INPUT_DEPTH = 32;

/**
 * The first part of a request's input that no handler should see, or null: nesting deeper than
 * `maxDepth` (class-transformer recurses once per level and overflows the stack at a few thousand)
 * or a NUL character in a string or a key (PostgreSQL cannot store it in text or jsonb).
 *
 * Walks with an explicit stack, so the check itself cannot overflow on what it refuses.
 */
export function findHostileInput(value: unknown, maxDepth = MAX_INPUT_DEPTH): FieldError | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return { field: item.path || 'body', message: 'must not contain NUL characters' };
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
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (key.includes('\u0000')) return { field: path, message: 'must not contain NUL characters' };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}
