/** Query DTO classes marked @PureQuery(). */
const pureQueries = new WeakSet<object>();

/**
 * Marks a query DTO whose validation and transformation depend on nothing but the query's
 * parameters (no clock, no state, no lookups), and whose transformed values are strings, numbers,
 * booleans or lists of them: the global validation pipe may answer a query it validated moments
 * ago with a copy of that result instead of validating it again (see createValidationPipe).
 */
export function PureQuery(): ClassDecorator {
  return (target) => {
    pureQueries.add(target);
  };
}

export function isPureQuery(metatype: unknown): boolean {
  return typeof metatype === 'function' && pureQueries.has(metatype);
}
