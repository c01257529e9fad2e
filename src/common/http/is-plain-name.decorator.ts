import { applyDecorators } from '@nestjs/common';
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

/**
 * A character that shows: not white space (U+00A0 and U+3000 included), a separator, or an
 * invisible format character (zero-width space, joiners, the byte order mark). A name of those
 * alone shows as nothing in a listing.
 */
const SHOWS = /[^\s\p{Z}\p{Cf}\p{Cc}]/u;

const CONTROL_PROBLEM = 'must not contain control characters (line breaks, tabs, escape sequences, bidirectional overrides)';
const BLANK_PROBLEM = 'must show at least one character, not only spaces or invisible ones';

/** Why `name` cannot be a name, or null when it can. */
export function nameProblem(name: string): string | null {
  if (HAS_ONE.test(name)) return CONTROL_PROBLEM;
  return SHOWS.test(name) ? null : BLANK_PROBLEM;
}

/** A name shown on one line: no control characters or line separators (see `NOT_IN_A_NAME`), and something that shows. */
export function IsPlainName(): PropertyDecorator {
  return applyDecorators(
    Matches(new RegExp(`^[^${NOT_IN_A_NAME}]*$`, 'u'), { message: ({ property }) => `${property} ${CONTROL_PROBLEM}` }),
    Matches(SHOWS, { message: ({ property }) => `${property} ${BLANK_PROBLEM}` }),
  );
}
