import { Global, Module } from '@nestjs/common';
import { ChangeNotifications } from '../database/change-notifications';
import { MetricsModule } from '../metrics/metrics.module';
import { FindingsCache } from './findings-cache';

/**
 * The API process's cache of rendered findings and the connection that listens for their changes.
 * Global, and imported by the API only: the worker's services find neither (they are optional
 * where used), so a worker neither caches nor listens.
 */
@Global()
@Module({
  imports: [MetricsModule],
  providers: [ChangeNotifications, FindingsCache],
  exports: [ChangeNotifications, FindingsCache],
})
export class FindingsCacheModule {}
