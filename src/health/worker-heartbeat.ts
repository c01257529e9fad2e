import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/** How often a worker refreshes its heartbeat, and how long one stays valid (three missed beats). */
export const WORKER_HEARTBEAT_INTERVAL_MS = 10_000;
export const WORKER_HEARTBEAT_TTL_MS = 3 * WORKER_HEARTBEAT_INTERVAL_MS;

/** What a heartbeat records: which process wrote it and which queues it was consuming. */
export interface WorkerHeartbeatRecord {
  pid: number;
  queues: string[];
}

export type WorkerHeartbeatCheck =
  { healthy: true; message: string; record: WorkerHeartbeatRecord; remainingMs: number } | { healthy: false; message: string };

/**
 * The worker's identity in heartbeat keys. A container's hostname is its own, so the check
 * command run inside the worker's container finds the key its worker writes.
 */
export function defaultWorkerId(): string {
  return hostname();
}

/** `<REDIS_PREFIX>:worker-heartbeat:<worker id>`, beside the queues' keys. */
export function workerHeartbeatKey(prefix: string, workerId: string): string {
  return `${prefix}:worker-heartbeat:${workerId}`;
}

/**
 * Reads a worker's heartbeat. Healthy only while the key exists: the worker writes it with a TTL
 * and only when all its BullMQ workers run on ready connections, so a hung, stopped or
 * disconnected worker loses it within the TTL.
 */
export async function checkWorkerHeartbeat(redis: Redis, key: string): Promise<WorkerHeartbeatCheck> {
  const [value, remainingMs] = await Promise.all([redis.get(key), redis.pttl(key)]);
  if (value === null || remainingMs === -2) {
    return { healthy: false, message: `no worker heartbeat at ${key} (the worker is not running, not connected, or its queues stopped)` };
  }
  let record: WorkerHeartbeatRecord;
  try {
    record = JSON.parse(value) as WorkerHeartbeatRecord;
  } catch {
    return { healthy: false, message: `unreadable worker heartbeat at ${key}` };
  }
  return {
    healthy: true,
    message: `worker ${record.pid} consuming ${record.queues.join(', ')}; heartbeat valid for ${Math.max(0, remainingMs)} ms`,
    record,
    remainingMs,
  };
}
