import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queues/redis-connection-options';
import { defaultWorkerId, WORKER_HEARTBEAT_INTERVAL_MS, WORKER_HEARTBEAT_TTL_MS, workerHeartbeatKey } from './worker-heartbeat';
import { WorkerHeartbeatWriter } from './worker-heartbeat-writer';

/**
 * The worker process's heartbeat: every WORKER_HEARTBEAT_INTERVAL_MS it checks the BullMQ
 * workers of every processor in the process and refreshes `<prefix>:worker-heartbeat:<host>`
 * while they can take jobs. `node dist/worker-health.js` (the container's health check) reads it.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private readonly redis: Redis;
  private readonly writer: WorkerHeartbeatWriter;
  private timer: NodeJS.Timeout | undefined;
  /** The beat in progress, awaited at shutdown so it cannot write the key again after it is removed. */
  private beating: Promise<void> | undefined;
  private stopped = false;
  private lastReport = '';

  constructor(
    private readonly discovery: DiscoveryService,
    config: ConfigService<AppConfig, true>,
  ) {
    const redis = config.get('redis', { infer: true });
    this.redis = new Redis({
      ...redisOptionsFromUrl(redis.url),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      connectionName: 'sgdoctor-worker-heartbeat',
    });
    // A lost connection shows as a missing heartbeat; without a listener ioredis logs every attempt.
    this.redis.on('error', () => undefined);
    this.writer = new WorkerHeartbeatWriter({
      redis: this.redis,
      key: workerHeartbeatKey(redis.prefix, defaultWorkerId()),
      ttlMs: WORKER_HEARTBEAT_TTL_MS,
      workers: () => this.workers(),
    });
  }

  onApplicationBootstrap(): void {
    // The first beat as soon as the connection is up rather than one interval later.
    if (this.redis.status === 'ready') void this.tick();
    else this.redis.once('ready', () => void this.tick());
    this.timer = setInterval(() => void this.tick(), WORKER_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    await this.writer.clear().catch(() => undefined);
    this.redis.disconnect();
  }

  private workers(): Worker[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .map((host) => host.worker);
  }

  private tick(): Promise<void> {
    if (this.beating || this.stopped) return this.beating ?? Promise.resolve();
    this.beating = this.writer
      .beat()
      .then(
        (problems) => this.report(problems.length ? `worker heartbeat withheld: ${problems.join('; ')}` : ''),
        (error: unknown) => this.report(`worker heartbeat not written: ${(error as Error).message}`),
      )
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  /** Logs a change of state once, not on every beat. */
  private report(problem: string): void {
    if (problem === this.lastReport) return;
    if (problem) this.logger.warn(problem);
    else if (this.lastReport) this.logger.log('worker heartbeat resumed');
    this.lastReport = problem;
  }
}
