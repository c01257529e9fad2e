import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { WorkReconciler, type ReconcileReport } from './work-reconciler.service';

/**
 * Arbitrary, fixed: the advisory lock a worker holds while it reconciles (one at a time). Distinct
 * from the other fixed ids (7_316_425_001 migrations, 7_316_425_002 the initial admin key): one id
 * for both made a pass skip its round while an API created its key, and the API wait for a pass.
 */
const RECONCILE_LOCK_ID = 7_316_425_003;

/**
 * Runs the reconciler at worker start and then every RECONCILE_INTERVAL_MS. Passes never overlap
 * within a process, and across processes a transaction-scoped PostgreSQL advisory lock lets one
 * worker reconcile while the others skip that round. A pass that fails (a dependency is down)
 * is logged and tried again next round.
 */
@Injectable()
export class ReconcileLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcileLoop.name);
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport | null> | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reconciler: WorkReconciler,
    config: ConfigService<AppConfig, true>,
  ) {
    this.intervalMs = config.get('recovery', { infer: true }).reconcileIntervalMs;
  }

  onApplicationBootstrap(): void {
    // Not awaited: a worker starts even while PostgreSQL or Redis is away; the loop catches up.
    setImmediate(() => void this.tick());
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass now, unless one is in progress here or in another worker (then null). */
  runOnce(): Promise<ReconcileReport | null> {
    if (this.running) return this.running;
    this.running = this.locked().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const report = await this.runOnce();
      if (report && Object.values(report).some((count) => count > 0)) this.logger.log(`reconciled: ${JSON.stringify(report)}`);
    } catch (error) {
      this.logger.warn(`reconciliation failed; trying again in ${this.intervalMs} ms: ${String(error)}`);
    }
  }

  private locked(): Promise<ReconcileReport | null> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RECONCILE_LOCK_ID])) as Array<{
        locked: boolean;
      }>;
      if (!locked) return null;
      return this.reconciler.reconcile();
    });
  }
}
