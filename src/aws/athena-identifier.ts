import { AwsAdapterError } from './aws-adapter.error';

/**
 * Identifiers cannot be Athena ExecutionParameters, so every name that reaches SQL text is
 * checked against a strict pattern first and then double-quoted. The patterns leave out quotes,
 * dots, spaces and comment markers, so nothing validated can end an identifier or a statement.
 */
const PATTERNS = {
  catalog: /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/,
  database: /^[A-Za-z0-9_]{1,255}$/,
  table: /^[A-Za-z0-9_]{1,255}$/,
  // Glue allows `-` in column names (AWS's Parquet layout partitions by `aws-account-id`); quoted, it is inert.
  column: /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/,
  workgroup: /^[A-Za-z0-9._-]{1,128}$/,
} as const;

export type AthenaIdentifierKind = keyof typeof PATTERNS;

export function validateAthenaIdentifier(kind: AthenaIdentifierKind, name: unknown): string {
  if (typeof name !== 'string' || !PATTERNS[kind].test(name)) {
    throw new AwsAdapterError('AWS.INVALID_IDENTIFIER', `invalid Athena ${kind} name ${JSON.stringify(name)}`, {
      kind,
      pattern: PATTERNS[kind].source,
    });
  }
  return name;
}

/** A validated identifier as a quoted SQL identifier (`"name"`). */
export function quoteAthenaIdentifier(kind: AthenaIdentifierKind, name: unknown): string {
  return `"${validateAthenaIdentifier(kind, name).replace(/"/g, '""')}"`;
}
