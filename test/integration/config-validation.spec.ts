import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/config/app-config';
import { ConfigValidationError } from '../../src/config/config-validation.error';

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems.map((problem) => problem.setting);
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults for everything', () => {
    const config = loadAppConfig({}, '/srv/sgdoctor');
    expect(config.database.url).toBe('postgres://postgres:postgres@127.0.0.1:5432/sgdoctor');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'sgdoctor' });
    expect(config.http.port).toBe(3000);
    expect(config.database.migrationsRun).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.dataRoot).toBe('/srv/sgdoctor/samples');
    expect(config.auth.adminApiKey).toBeUndefined();
    expect(config.aws).toEqual({ region: undefined, profile: undefined });
    expect(config.analysis.heapGrowingPercent).toBe(20);
  });

  it('parses values and treats empty variables as unset', () => {
    const config = loadAppConfig({
      PORT: '8080',
      DB_MIGRATIONS_RUN: 'false',
      LOG_LEVEL: '',
      AWS_REGION: 'eu-west-1',
      SGDOCTOR_DATA_ROOT: '/data',
    });
    expect(config.http.port).toBe(8080);
    expect(config.database.migrationsRun).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.aws.region).toBe('eu-west-1');
    expect(config.dataRoot).toBe('/data');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ WORKER_HEAP_GROWING_PERCENT: '-5' }, 'WORKER_HEAP_GROWING_PERCENT'],
    [{ WORKER_HEAP_GROWING_PERCENT: '400' }, 'WORKER_HEAP_GROWING_PERCENT'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DB_MIGRATIONS_RUN: 'maybe' }, 'DB_MIGRATIONS_RUN'],
    [{ SGDOCTOR_ADMIN_API_KEY: 'short' }, 'SGDOCTOR_ADMIN_API_KEY'],
    [{ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX'],
    [{ AWS_REGION: 'Europe' }, 'AWS_REGION'],
  ])('names the bad setting in %o', (env, setting) => {
    expect(problemsFor(env)).toEqual([setting]);
  });

  it('accepts any NODE_ENV: no behaviour depends on it', () => {
    for (const value of ['production', 'staging', 'development', 'test', '']) {
      expect(problemsFor({ NODE_ENV: value })).toEqual([]);
    }
  });

  it('reports every bad setting at once, with what is wrong', () => {
    try {
      loadAppConfig({ PORT: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT: must be at least 0');
      expect(message).toMatch(/LOG_LEVEL: must be one of fatal, error/);
    }
  });
});
