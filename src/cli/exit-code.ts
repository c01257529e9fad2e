/** Process exit codes of `sgdoctor` (documented in the README). */
export const ExitCode = {
  /** Done; findings (if any) printed. */
  Ok: 0,
  /** `--fail-on` matched: some finding has one of the named classifications. */
  FindingsMatched: 1,
  /** Bad command line: unknown command or option, missing or invalid value. */
  Usage: 2,
  /** Unreadable file, invalid JSON, invalid snapshot (with its JSON path), bad log format. */
  Input: 3,
  /** `--strict` and a malformed flow-log line. */
  Malformed: 4,
  /** An unexpected failure (a bug): the message is printed, never a stack trace. */
  Internal: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
