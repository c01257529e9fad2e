import type { Dependency } from './dependency-unavailable.error';

/** Socket-level failures: the server is not there (or went away mid-request). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATEs that mean "the server cannot serve you now", not "your query is wrong". */
const POSTGRES_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300)$/;
const POSTGRES_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout|^Query read timeout$/;
const REDIS_MESSAGES = /enableOfflineQueue|Reached the max retries per request limit|Connection is closed/;

/**
 * Which dependency an unexpected error says is unreachable, if any: PostgreSQL errors come from
 * pg (possibly wrapped by TypeORM as `driverError`), Redis ones from ioredis. Anything else
 * (a bug, a constraint violation) is not an outage.
 */
export function unavailableDependencyOf(error: unknown): Dependency | null {
  if (typeof error !== 'object' || error === null) return null;
  const driver = (error as { driverError?: unknown }).driverError;
  const candidates = driver && typeof driver === 'object' ? [driver, error] : [error];
  for (const candidate of candidates) {
    const { code, message, name } = candidate as { code?: unknown; message?: unknown; name?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(text)) return 'redis';
    if (typeof code === 'string' && POSTGRES_UNAVAILABLE.test(code)) return 'postgresql';
    if (POSTGRES_MESSAGES.test(text)) return 'postgresql';
    // Redis calls on request paths are wrapped (whileReachable) and name Redis themselves, so a
    // bare socket error here came from the database pool.
    if (typeof code === 'string' && SOCKET_CODES.has(code)) return 'postgresql';
  }
  return null;
}
