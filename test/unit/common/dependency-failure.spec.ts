import { describe, expect, it } from 'vitest';
import { unavailableDependencyOf } from '../../../src/common/errors/dependency-failure.util';

/** Errors as pg, TypeORM and ioredis raise them when a server is not there. */
const errorWith = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

describe('unavailableDependencyOf', () => {
  it.each([
    ['pg: connection refused', errorWith('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }), 'postgresql'],
    ['pg: server shutting down (57P01)', errorWith('terminating connection due to administrator command', { code: '57P01' }), 'postgresql'],
    ['pg: starting up (57P03)', errorWith('the database system is starting up', { code: '57P03' }), 'postgresql'],
    ['pg: connection exception class 08', errorWith('connection failure', { code: '08006' }), 'postgresql'],
    ['pg: pool connect timeout', errorWith('timeout exceeded when trying to connect'), 'postgresql'],
    ['pg: terminated', errorWith('Connection terminated unexpectedly'), 'postgresql'],
    ['pg: no answer within query_timeout (a server that hangs)', errorWith('Query read timeout'), 'postgresql'],
    [
      'TypeORM QueryFailedError around a pg outage',
      errorWith('Query failed', { driverError: errorWith('x', { code: '57P01' }) }),
      'postgresql',
    ],
    ['ioredis: offline queue disabled', errorWith("Stream isn't writeable and enableOfflineQueue options is false"), 'redis'],
    [
      'ioredis: retries exhausted',
      errorWith('Reached the max retries per request limit (which is 20).', { name: 'MaxRetriesPerRequestError' }),
      'redis',
    ],
    ['ioredis: closed', errorWith('Connection is closed.'), 'redis'],
  ])('%s → %s', (_name, error, dependency) => {
    expect(unavailableDependencyOf(error)).toBe(dependency);
  });

  it.each([
    ['a unique violation', errorWith('duplicate key value violates unique constraint', { code: '23505' })],
    ['a syntax error', errorWith('syntax error at or near "SELEC"', { code: '42601' })],
    ['a statement timeout', errorWith('canceling statement due to statement timeout', { code: '57014' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not an outage', (_name, error) => {
    expect(unavailableDependencyOf(error)).toBeNull();
  });
});
