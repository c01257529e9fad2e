import { z } from 'zod';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../common/lifecycle/heap-growth';

/** Accepts the usual spellings of a boolean in an environment variable. */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integerFromEnv = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** `10.0.0.0/8,127.0.0.1/32`; each entry checked for the shape of an IPv4 or IPv6 CIDR. */
const cidrListFromEnv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .refine((list) => list.every((entry) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(entry)), {
    message: 'must be comma-separated CIDRs such as 127.0.0.1/32',
  });

/** `0,5000,300000`: whole milliseconds, the first attempt's delay first. */
const retryScheduleFromEnv = z
  .string()
  .transform((value) => value.split(',').map((entry) => Number(entry.trim())))
  .refine((list) => list.length >= 1 && list.length <= 50 && list.every((ms) => Number.isInteger(ms) && ms >= 0), {
    message: 'must be 1-50 comma-separated whole milliseconds',
  });

/** Unset and empty variables both mean "use the default". */
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema.optional());
/** The fallback is written as the variable would be and parsed like one (zod's prefault). */
const withDefault = <T extends z.ZodType>(schema: T, fallback: string) =>
  z.preprocess(emptyAsUndefined, schema.prefault(fallback as never));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable sgdoctor reads, with its default. The README's configuration
 * table and .env.example list the same variables; keep the three in step.
 *
 * NODE_ENV is deliberately absent: no behaviour of sgdoctor depends on it (each has a variable
 * of its own), so any value, `staging` included, is accepted and left to the libraries.
 */
export const envSchema = z.object({
  PORT: withDefault(integerFromEnv(0, 65535), '3000'),
  HOST: withDefault(z.string().min(1), '0.0.0.0'),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }), 'info'),
  HTTP_BODY_LIMIT_BYTES: withDefault(integerFromEnv(1024, 100 * 1024 * 1024), '1048576'),
  HTTP_TRUST_PROXY: withDefault(booleanFromEnv, 'false'),
  HTTP_REQUEST_TIMEOUT_MS: withDefault(integerFromEnv(1000, 3_600_000), '30000'),
  RATE_LIMIT_PER_MINUTE: withDefault(integerFromEnv(1, 1_000_000), '600'),

  DATABASE_URL: withDefault(urlWithProtocols(['postgres:', 'postgresql:']), 'postgres://postgres:postgres@127.0.0.1:5432/sgdoctor'),
  DB_MIGRATIONS_RUN: withDefault(booleanFromEnv, 'true'),
  DB_CREATE_DATABASE: withDefault(booleanFromEnv, 'true'),
  DB_POOL_MAX: withDefault(integerFromEnv(1, 1000), '10'),
  DB_CONNECT_TIMEOUT_MS: withDefault(integerFromEnv(100, 600_000), '5000'),
  DB_STATEMENT_TIMEOUT_MS: withDefault(integerFromEnv(0, 86_400_000), '60000'),

  /**
   * Bytes of rendered findings list pages and finding details the API keeps (their UTF-8 text), the
   * least recently used dropped first; 0 keeps none. Each is dropped when the findings change.
   */
  FINDINGS_CACHE_BYTES: withDefault(integerFromEnv(0, 4 * 1024 * 1024 * 1024), String(64 * 1024 * 1024)),

  REDIS_URL: withDefault(urlWithProtocols(['redis:', 'rediss:']), 'redis://127.0.0.1:6379'),
  REDIS_PREFIX: withDefault(
    z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 letters, digits, or _ . : -' }),
    'sgdoctor',
  ),

  QUEUE_ATTEMPTS: withDefault(integerFromEnv(1, 100), '5'),
  QUEUE_BACKOFF_MS: withDefault(integerFromEnv(10, 3_600_000), '5000'),
  QUEUE_KEEP_COMPLETED: withDefault(integerFromEnv(0, 1_000_000), '1000'),
  QUEUE_KEEP_FAILED: withDefault(integerFromEnv(0, 1_000_000), '5000'),
  WORKER_CONCURRENCY: withDefault(integerFromEnv(1, 256), '2'),
  SGDOCTOR_WITH_WORKER: withDefault(booleanFromEnv, 'false'),
  SHUTDOWN_TIMEOUT_MS: withDefault(integerFromEnv(1000, 600_000), '25000'),

  SGDOCTOR_ADMIN_API_KEY: optional(z.string().min(32, { message: 'must be at least 32 characters' })),
  SGDOCTOR_DATA_ROOT: withDefault(z.string().min(1), './samples'),
  /** How long a worker holds an analysis job's lock before BullMQ may consider it stalled. */
  ANALYSIS_LOCK_DURATION_MS: withDefault(integerFromEnv(1000, 3_600_000), '60000'),
  /** How often workers look for stalled analysis jobs (a killed worker's job is re-run after this). */
  ANALYSIS_STALLED_INTERVAL_MS: withDefault(integerFromEnv(1000, 3_600_000), '30000'),
  /** Testing aid: pause before the correlate and persist stages of every analysis. Keep 0 in production. */
  SGDOCTOR_ANALYSIS_STAGE_DELAY_MS: withDefault(integerFromEnv(0, 600_000), '0'),
  /** Findings written per transaction at the persist stage: larger is faster; a killed worker redoes at most one batch. */
  ANALYSIS_PERSIST_BATCH: withDefault(integerFromEnv(1, 100_000), '1000'),
  /**
   * A persist batch also ends once its findings' JSON reaches this many characters: findings with
   * many flows make large rows, and the worker holds two rounds of batches while they are written.
   */
  ANALYSIS_PERSIST_BATCH_CHARS: withDefault(integerFromEnv(65_536, 1_073_741_824), '4194304'),
  /** Persist batches written at once, each in its own transaction and connection (1: one after the other). */
  ANALYSIS_PERSIST_PARALLEL: withDefault(integerFromEnv(1, 8), '2'),
  /**
   * The worker's V8 heap grows by this percent over what survives a full collection (V8's
   * `--heap-growing-percent`); 0 leaves V8's own factor, up to 4×. Lower keeps a busy worker's
   * memory near what it holds, for a little more time collecting.
   */
  WORKER_HEAP_GROWING_PERCENT: withDefault(integerFromEnv(0, 300), String(DEFAULT_HEAP_GROWING_PERCENT)),
  /** How often a worker looks for Athena queries whose job ended without seeing them end, and asks Athena what became of them. */
  ATHENA_SPEND_SWEEP_INTERVAL_MS: withDefault(integerFromEnv(100, 86_400_000), '60000'),
  /** An Athena query recorded unfinished is asked of Athena once its row has been left alone this long (and again after as long). */
  ATHENA_SPEND_SETTLE_AFTER_MS: withDefault(integerFromEnv(1000, 86_400_000), '300000'),
  /** How often a worker compares the work recorded in PostgreSQL with the queues and repairs the queues (one worker at a time). */
  RECONCILE_INTERVAL_MS: withDefault(integerFromEnv(1000, 3_600_000), '60000'),

  /** AES-256-GCM key (64 hex digits or base64 of 32 bytes) encrypting webhook secrets and integration credentials. */
  SGDOCTOR_ENCRYPTION_KEY: optional(z.string().min(32, { message: 'must be 32 bytes as 64 hex digits or base64' })),
  /** Base URL of the API as users reach it, for links in tickets, chat messages and report.ready events. */
  SGDOCTOR_PUBLIC_URL: optional(urlWithProtocols(['http:', 'https:'])),
  /** Outbound webhook and integration URLs may use plain http (only for tests and trusted networks). */
  WEBHOOK_ALLOW_HTTP: withDefault(booleanFromEnv, 'false'),
  /** Comma-separated CIDRs that outbound URLs may reach although not public (e.g. 127.0.0.1/32 in tests). */
  WEBHOOK_ALLOWED_CIDRS: withDefault(cidrListFromEnv, ''),
  /** Deadline of one outbound request (connect, headers, body). */
  WEBHOOK_TIMEOUT_MS: withDefault(integerFromEnv(100, 120_000), '10000'),
  WEBHOOK_MAX_RESPONSE_BYTES: withDefault(integerFromEnv(1024, 10 * 1024 * 1024), '65536'),
  /** Deliveries in flight per worker process; a slow receiver holds one slot only until its timeout. */
  WEBHOOK_CONCURRENCY: withDefault(integerFromEnv(1, 256), '16'),
  /** Deliveries in flight to one subscription across all workers, so one slow receiver cannot take every slot. */
  WEBHOOK_SUBSCRIPTION_CONCURRENCY: withDefault(integerFromEnv(1, 256), '4'),
  /** Delays before each attempt (comma-separated ms); default the Standard Webhooks schedule (0, 5 s, 5 min … 24 h). */
  WEBHOOK_RETRY_SCHEDULE_MS: optional(retryScheduleFromEnv),
  /** A subscription is disabled after this many consecutive dead-lettered deliveries. */
  WEBHOOK_DISABLE_AFTER_DEAD: withDefault(integerFromEnv(1, 1000), '5'),
  /** How long a report run waits for its analyses before reporting on what finished. */
  REPORT_ANALYSIS_WAIT_MS: withDefault(integerFromEnv(1000, 24 * 3_600_000), '1800000'),
  /** The least time between two runs of a report schedule: a cron that fires more often is refused. */
  REPORT_SCHEDULE_MIN_INTERVAL_SECONDS: withDefault(integerFromEnv(1, 86_400), '300'),

  /** What Reachability Analyzer confirmations of one target may spend in a calendar month (UTC), at USD 0.10 an analysis. */
  REACHABILITY_MONTHLY_BUDGET_USD: withDefault(
    z.coerce
      .number({ message: 'must be a number' })
      .min(0, { message: 'must be at least 0' })
      .max(1_000_000, { message: 'must be at most 1000000' }),
    '1.00',
  ),
  /** Between two DescribeNetworkInsightsAnalyses calls while an analysis runs. */
  REACHABILITY_POLL_INTERVAL_MS: withDefault(integerFromEnv(10, 600_000), '5000'),
  /** A confirmation whose analysis is still running after this long fails (the analysis and path are deleted). */
  REACHABILITY_TIMEOUT_MS: withDefault(integerFromEnv(1000, 3_600_000), '600000'),

  AWS_REGION: optional(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as eu-west-1' })),
  AWS_PROFILE: optional(z.string().min(1)),
});

export type EnvInput = z.input<typeof envSchema>;
export type Env = z.output<typeof envSchema>;
