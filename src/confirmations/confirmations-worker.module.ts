import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AwsClientFactory } from '../aws/aws-client.factory';
import { ReachabilityAnalyzer } from '../aws/reachability-analyzer';
import type { AppConfig } from '../config/app-config';
import { configuredProcessor } from '../queues/configured-processor';
import { QueueName } from '../queues/queue-names';
import { TargetsModule } from '../targets/targets.module';
import { ConfirmationProcessor } from './jobs/confirmation.processor';
import { ConfirmationRunner } from './jobs/confirmation-runner.service';
import { ReachabilityConfirmationEntity } from './reachability-confirmation.entity';

/** The `reachability` worker: asks Reachability Analyzer and stores its answer. */
@Module({
  imports: [TypeOrmModule.forFeature([ReachabilityConfirmationEntity]), TargetsModule],
  providers: [
    { provide: AwsClientFactory, useFactory: () => new AwsClientFactory() },
    {
      provide: ReachabilityAnalyzer,
      inject: [AwsClientFactory, ConfigService],
      useFactory: (clients: AwsClientFactory, config: ConfigService<AppConfig, true>) => {
        const { pollIntervalMs, timeoutMs } = config.get('reachability', { infer: true });
        return new ReachabilityAnalyzer(clients, { pollIntervalMs, timeoutMs });
      },
    },
    // Timestamps come from the clock; CoreModule does not provide one yet.
    ConfirmationRunner,
    // BullMQ's defaults: one confirmation at a time.
    configuredProcessor(QueueName.Reachability, ConfirmationProcessor, () => ({})),
  ],
})
export class ConfirmationsWorkerModule {}
