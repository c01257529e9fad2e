const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Whether a query failed on the named foreign key: the row it refers to was deleted after the
 * request read it (a DELETE that ran meanwhile), which the caller answers as not found.
 */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? (error as { code?: string; constraint?: string });
  return driverError?.code === FOREIGN_KEY_VIOLATION && driverError.constraint === constraint;
}
