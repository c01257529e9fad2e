import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';

/** The channel the findings tables' triggers notify (migration 1796414000000 names the same). */
export const FINDINGS_CHANGED_CHANNEL = 'sgdoctor_findings_changed';

/** The listening connection's application_name. */
export const LISTENER_APPLICATION_NAME = 'sgdoctor-findings-changes';

/** The wait before the first attempt to listen again, doubled after each failure up to the longest. */
const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 5_000;
/**
 * How often the listening connection is asked to answer, and how long it has to: a connection that
 * went away without closing (a host or a network gone) delivers nothing and reports nothing, so one
 * that does not answer is taken as lost.
 */
const CHECK_INTERVAL_MS = 5_000;
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Whether the findings may have changed since a moment: a generation counter, moved on by every
 * notification of the findings tables' triggers (sent when a transaction that wrote them commits,
 * by any process), by this process's own writes as soon as they commit (`written()`, so a client's
 * next read sees its write without waiting for the notification), and whenever the connection that
 * listens is lost or made again (what was notified in between is unknown).
 *
 * One connection of its own (a node-postgres Client with the app's connection settings) listens;
 * while it is not listening (before `start()`, after a loss, until it reconnects with backoff),
 * `listening` is false and nothing may be trusted not to have changed.
 */
@Injectable()
export class ChangeNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(ChangeNotifications.name);
  private current = 0;
  private listeningNow = false;
  private started = false;
  private stopped = false;
  private client: Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking = false;
  /** Clients whose loss was handled (a lost client reports both an error and its end). */
  private readonly lost = new WeakSet<Client>();
  private readonly waiting = new Set<{ after: number; resolve: () => void }>();

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  /** The current generation: unchanged since a read of it means nothing was written since, while listening. */
  get generation(): number {
    return this.current;
  }

  /** Whether notifications are being received: if not, any generation may be out of date. */
  get listening(): boolean {
    return this.listeningNow;
  }

  /** Starts listening (the first attempt is awaited; later ones follow in the background). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.connect();
  }

  /** This process committed a write to the findings tables. */
  written(): void {
    this.advance();
  }

  /** Resolves once the generation has moved past `generation`. */
  changedSince(generation: number): Promise<void> {
    if (this.current > generation) return Promise.resolve();
    return new Promise((resolve) => this.waiting.add({ after: generation, resolve }));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    this.listeningNow = false;
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.lost.add(client);
      await client.end().catch(() => undefined);
    }
  }

  private advance(): void {
    this.current += 1;
    for (const waiter of this.waiting) {
      if (this.current > waiter.after) {
        this.waiting.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const database = this.config.get('database', { infer: true });
    const client = new Client({
      connectionString: database.url,
      connectionTimeoutMillis: database.connectTimeoutMs,
      // The app's settings; named on its own, so pg_stat_activity tells it from the pool's.
      application_name: LISTENER_APPLICATION_NAME,
      statement_timeout: database.statementTimeoutMs || undefined,
      keepAlive: true,
    });
    client.on('error', (error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client));
    client.on('notification', (message) => {
      if (message.channel === FINDINGS_CHANGED_CHANNEL) this.advance();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${FINDINGS_CHANGED_CHANNEL}`);
    } catch (error) {
      this.onLost(client, error);
      return;
    }
    if (this.stopped || this.lost.has(client)) {
      this.lost.add(client);
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    clearInterval(this.checkTimer);
    this.checkTimer = setInterval(() => void this.check(client), CHECK_INTERVAL_MS);
    this.checkTimer.unref();
    // Whatever was written while no one listened is unknown: nothing read before this is current.
    this.advance();
    this.listeningNow = true;
  }

  /** Takes the connection as lost unless it answers within CHECK_TIMEOUT_MS. */
  private async check(client: Client): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      client.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.checking = false;
    if (!answered) this.onLost(client, new Error(`the connection did not answer within ${CHECK_TIMEOUT_MS} ms`));
  }

  private onLost(client: Client, error?: unknown): void {
    if (this.lost.has(client)) return;
    this.lost.add(client);
    if (this.client === client) {
      clearInterval(this.checkTimer);
      this.client = undefined;
      this.listeningNow = false;
      this.advance();
      this.logger.warn(`stopped listening for changes of the findings, listening again: ${error ? String(error) : 'connection ended'}`);
    }
    client.end().catch(() => undefined);
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, LONGEST_RETRY_MS);
  }
}
