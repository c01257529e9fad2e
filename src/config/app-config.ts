import { isAbsolute, resolve } from 'node:path';
import { envSchema, type Env } from './env.schema';
import { ConfigValidationError } from './config-validation.error';

export interface HttpConfig {
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** How long a client has to send a whole request, head and body; the handler's time does not count. */
  requestTimeoutMs: number;
  trustProxy: boolean;
  rateLimitPerMinute: number;
}

export interface DatabaseConfig {
  url: string;
  migrationsRun: boolean;
  createDatabase: boolean;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface FindingsCacheConfig {
  /** Bytes of rendered list pages and details held (FINDINGS_CACHE_BYTES); 0: none. */
  maxBytes: number;
}

export interface RedisConfig {
  url: string;
  prefix: string;
}

export interface QueueConfig {
  attempts: number;
  backoffMs: number;
  keepCompleted: number;
  keepFailed: number;
  workerConcurrency: number;
}

export interface AwsConfig {
  /** Passed through only for display; the SDK resolves region and credentials itself. */
  region?: string;
  profile?: string;
}

export interface AnalysisConfig {
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Testing aid: a pause at the start of every stage and after every persisted round of batches (SGDOCTOR_ANALYSIS_STAGE_DELAY_MS). */
  stageDelayMs: number;
  /** Findings written per transaction at the persist stage (ANALYSIS_PERSIST_BATCH); a killed worker redoes at most one batch. */
  persistBatch: number;
  /** A persist batch ends once its findings' rows (COPY rows' bytes or JSON's characters) reach this many (ANALYSIS_PERSIST_BATCH_CHARS). */
  persistBatchChars: number;
  /** Persist batches written at once, each in its own transaction (ANALYSIS_PERSIST_PARALLEL). */
  persistParallel: number;
  /** The worker's heap growth over its live data, in percent (WORKER_HEAP_GROWING_PERCENT; 0: V8's own). */
  heapGrowingPercent: number;
  /** Period of the sweep that finishes the Athena queries no job saw end (ATHENA_SPEND_SWEEP_INTERVAL_MS). */
  spendSweepIntervalMs: number;
  /** How long an unfinished Athena query's row is left alone before the sweep asks Athena (ATHENA_SPEND_SETTLE_AFTER_MS). */
  spendSettleAfterMs: number;
}

export interface RecoveryConfig {
  /** Period of the reconciler that makes the queues agree with PostgreSQL (RECONCILE_INTERVAL_MS). */
  reconcileIntervalMs: number;
}

export interface IntegrationsConfig {
  /** 32-byte key for AES-256-GCM, as written in SGDOCTOR_ENCRYPTION_KEY; absent: secrets cannot be stored. */
  encryptionKey?: string;
  publicUrl?: string;
  allowHttp: boolean;
  allowedCidrs: string[];
  timeoutMs: number;
  maxResponseBytes: number;
  concurrency: number;
  subscriptionConcurrency: number;
  /** Delay before each delivery attempt; absent: the Standard Webhooks schedule. */
  retryScheduleMs?: number[];
  disableAfterDead: number;
  reportAnalysisWaitMs: number;
  /** A report schedule's cron may not fire twice within this many seconds (REPORT_SCHEDULE_MIN_INTERVAL_SECONDS). */
  reportMinIntervalSeconds: number;
}

export interface ReachabilityConfig {
  /** Per target and calendar month (UTC); each analysis costs REACHABILITY_ANALYSIS_PRICE_USD. */
  monthlyBudgetUsd: number;
  pollIntervalMs: number;
  timeoutMs: number;
}

export interface AppConfig {
  logLevel: Env['LOG_LEVEL'];
  http: HttpConfig;
  database: DatabaseConfig;
  findingsCache: FindingsCacheConfig;
  redis: RedisConfig;
  queue: QueueConfig;
  auth: { adminApiKey?: string };
  aws: AwsConfig;
  /** Absolute directory under which file-based targets may read snapshots and flow logs. */
  dataRoot: string;
  analysis: AnalysisConfig;
  recovery: RecoveryConfig;
  integrations: IntegrationsConfig;
  reachability: ReachabilityConfig;
  /** Run the queue processors inside the API process too (small installs; `--with-worker`). */
  withWorker: boolean;
  shutdownTimeoutMs: number;
}

/**
 * Validates the environment and shapes it into typed namespaces. Throws ConfigValidationError
 * naming every offending variable, so a bad setting stops the process before anything starts.
 */
export function loadAppConfig(source: Record<string, string | undefined>, cwd = process.cwd()): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw ConfigValidationError.fromIssues(parsed.error.issues);
  }
  const env = parsed.data;
  return {
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      trustProxy: env.HTTP_TRUST_PROXY,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    },
    database: {
      url: env.DATABASE_URL,
      migrationsRun: env.DB_MIGRATIONS_RUN,
      createDatabase: env.DB_CREATE_DATABASE,
      poolMax: env.DB_POOL_MAX,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    },
    findingsCache: { maxBytes: env.FINDINGS_CACHE_BYTES },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    queue: {
      attempts: env.QUEUE_ATTEMPTS,
      backoffMs: env.QUEUE_BACKOFF_MS,
      keepCompleted: env.QUEUE_KEEP_COMPLETED,
      keepFailed: env.QUEUE_KEEP_FAILED,
      workerConcurrency: env.WORKER_CONCURRENCY,
    },
    auth: { adminApiKey: env.SGDOCTOR_ADMIN_API_KEY },
    aws: { region: env.AWS_REGION, profile: env.AWS_PROFILE },
    dataRoot: isAbsolute(env.SGDOCTOR_DATA_ROOT) ? env.SGDOCTOR_DATA_ROOT : resolve(cwd, env.SGDOCTOR_DATA_ROOT),
    analysis: {
      lockDurationMs: env.ANALYSIS_LOCK_DURATION_MS,
      stalledIntervalMs: env.ANALYSIS_STALLED_INTERVAL_MS,
      stageDelayMs: env.SGDOCTOR_ANALYSIS_STAGE_DELAY_MS,
      persistBatch: env.ANALYSIS_PERSIST_BATCH,
      persistBatchChars: env.ANALYSIS_PERSIST_BATCH_CHARS,
      persistParallel: env.ANALYSIS_PERSIST_PARALLEL,
      heapGrowingPercent: env.WORKER_HEAP_GROWING_PERCENT,
      spendSweepIntervalMs: env.ATHENA_SPEND_SWEEP_INTERVAL_MS,
      spendSettleAfterMs: env.ATHENA_SPEND_SETTLE_AFTER_MS,
    },
    recovery: { reconcileIntervalMs: env.RECONCILE_INTERVAL_MS },
    integrations: {
      encryptionKey: env.SGDOCTOR_ENCRYPTION_KEY,
      publicUrl: env.SGDOCTOR_PUBLIC_URL,
      allowHttp: env.WEBHOOK_ALLOW_HTTP,
      allowedCidrs: env.WEBHOOK_ALLOWED_CIDRS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES,
      concurrency: env.WEBHOOK_CONCURRENCY,
      subscriptionConcurrency: env.WEBHOOK_SUBSCRIPTION_CONCURRENCY,
      retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE_MS,
      disableAfterDead: env.WEBHOOK_DISABLE_AFTER_DEAD,
      reportAnalysisWaitMs: env.REPORT_ANALYSIS_WAIT_MS,
      reportMinIntervalSeconds: env.REPORT_SCHEDULE_MIN_INTERVAL_SECONDS,
    },
    reachability: {
      monthlyBudgetUsd: env.REACHABILITY_MONTHLY_BUDGET_USD,
      pollIntervalMs: env.REACHABILITY_POLL_INTERVAL_MS,
      timeoutMs: env.REACHABILITY_TIMEOUT_MS,
    },
    withWorker: env.SGDOCTOR_WITH_WORKER,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}
