import { Matches } from 'class-validator';

/**
 * Characters a name may not hold: control characters (C0, DEL, C1: a line feed, a tab, the escape
 * that starts a terminal sequence), the Unicode line and paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates that reorder what follows them. Names are shown
 * on one line, in listings, terminals, reports and tickets: one that carries a line break or an
 * escape sequence would show as something else there.
 */
const NOT_IN_A_NAME = String.raw`\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069`;
const HAS_ONE = new RegExp(`[${NOT_IN_A_NAME}]`, 'u');

/** Why `name` cannot be a name, or null when it can. */
export function nameProblem(name: string): string | null {
  return HAS_ONE.test(name) ? 'must not contain control characters (line breaks, tabs, escape sequences, bidirectional overrides)' : null;
}

/** A name shown on one line: no control characters or line separators (see `NOT_IN_A_NAME`). */
export function IsPlainName(): PropertyDecorator {
  return Matches(new RegExp(`^[^${NOT_IN_A_NAME}]*$`, 'u'), {
    message: ({ property }) =>
      `${property} must not contain control characters (line breaks, tabs, escape sequences, bidirectional overrides)`,
  });
}
