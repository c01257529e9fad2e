import { Redis } from 'ioredis';
import { loadAppConfig } from './config/app-config';
import { exitWhenDrained } from './common/lifecycle/exit-when-drained';
import { ConfigValidationError } from './config/config-validation.error';
import { readEnvironment } from './config/read-environment';
import { checkWorkerHeartbeat, defaultWorkerId, workerHeartbeatKey } from './health/worker-heartbeat';
import { redisOptionsFromUrl } from './queues/redis-connection-options';

/**
 * `node dist/worker-health.js [--worker-id ID]`: the worker's health check (a container
 * HEALTHCHECK). Exit 0 when the worker on this host (or ID) has a live heartbeat in Redis,
 * 1 otherwise, with one line saying why. Reads REDIS_URL and REDIS_PREFIX like the worker.
 */
async function main(argv: string[]): Promise<number> {
  const idIndex = argv.indexOf('--worker-id');
  const workerId = idIndex >= 0 && argv[idIndex + 1] ? argv[idIndex + 1] : defaultWorkerId();
  let config;
  try {
    config = loadAppConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const redis = new Redis({
    ...redisOptionsFromUrl(config.redis.url),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const check = await checkWorkerHeartbeat(redis, workerHeartbeatKey(config.redis.prefix, workerId));
    (check.healthy ? process.stdout : process.stderr).write(`${check.message}\n`);
    return check.healthy ? 0 : 1;
  } catch (error) {
    process.stderr.write(`Redis is not reachable: ${(error as Error).message}\n`);
    return 1;
  } finally {
    redis.disconnect();
  }
}

void main(process.argv.slice(2)).then(
  (code) => exitWhenDrained(code),
  (error: unknown) => {
    process.stderr.write(`worker health check failed: ${error instanceof Error ? error.message : String(error)}\n`);
    exitWhenDrained(1);
  },
);
