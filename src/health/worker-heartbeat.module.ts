import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WorkerHeartbeat } from './worker-heartbeat.service';

/** The worker process's heartbeat in Redis (read by `node dist/worker-health.js`). */
@Module({
  imports: [DiscoveryModule],
  providers: [WorkerHeartbeat],
})
export class WorkerHeartbeatModule {}
