import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './test-database';

/** Deletes every key under a test run's prefix (BullMQ keys are `<prefix>:<queue>:…`). */
export async function deleteRedisPrefix(prefix: string, redisUrl = TEST_REDIS_URL): Promise<void> {
  if (!prefix.includes('test')) throw new Error(`refusing to delete Redis keys under "${prefix}"`);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
