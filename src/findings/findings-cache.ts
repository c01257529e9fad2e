import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { codedAs, gzipped, gzipWanted, type CodedBody, type ContentCoding } from '../common/http/content-coding';
import { Counter, Gauge } from 'prom-client';
import type { AppConfig } from '../config/app-config';
import { ChangeNotifications } from '../database/change-notifications';
import { MetricsService } from '../metrics/metrics.service';

/** What is cached: a page of the list (by its query) or a finding's detail (by its id). */
export type FindingsCacheRoute = 'list' | 'detail';

type Outcome = 'hit' | 'miss' | 'bypass';

/**
 * The findings list pages and finding details this API rendered, as the UTF-8 bytes it sent, by
 * the canonical form of what was asked: a repeated read is answered without PostgreSQL, and its
 * bytes go to the socket as they are, encoded once rather than for every response.
 *
 * Exact, not timed: every entry was read at the current generation of ChangeNotifications (the
 * generation read before its query ran), and the first read after the generation moves on empties
 * the cache. While no one listens for changes (start-up, a lost connection) every read goes to
 * PostgreSQL and nothing is kept. Nothing the two texts show depends on the time of reading (an
 * expired suppression is reopened by a write), so an entry stays valid until a write.
 *
 * A text asked for in gzip is compressed once and its gzip kept beside it, so a client that
 * accepts gzip costs no compression on a repeated read either.
 *
 * Bounded by the bytes of the texts (UTF-8, with their keys and gzip forms), the least recently
 * used dropped first (FINDINGS_CACHE_BYTES; 0 turns it off, and no connection listens).
 */
@Injectable()
export class FindingsCache implements OnModuleInit {
  readonly maxBytes: number;
  /** Map order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** The generation every entry was read at. */
  private generation = -1;
  private readonly outcomes: Record<FindingsCacheRoute, Record<Outcome, { inc(): void }>>;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly changes: ChangeNotifications,
    metrics: MetricsService,
  ) {
    this.maxBytes = config.get('findingsCache', { infer: true }).maxBytes;
    const requests = new Counter({
      name: 'sgdoctor_findings_cache_requests_total',
      help: 'Findings list pages and details by how they were answered: from the cache (hit), read and kept (miss), or read with the cache off or not listening for changes (bypass).',
      labelNames: ['route', 'result'] as const,
      registers: [metrics.registry],
    });
    const child = (route: FindingsCacheRoute) => ({
      hit: requests.labels(route, 'hit'),
      miss: requests.labels(route, 'miss'),
      bypass: requests.labels(route, 'bypass'),
    });
    this.outcomes = { list: child('list'), detail: child('detail') };
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('sgdoctor_findings_cache_bytes', 'Bytes of the findings list pages and details held by the cache.', () => this.bytes);
    gauge('sgdoctor_findings_cache_entries', 'Findings list pages and details held by the cache.', () => this.entries.size);
  }

  async onModuleInit(): Promise<void> {
    if (this.maxBytes > 0) await this.changes.start();
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Texts held now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The bytes of `key` for `route` in `coding` (see codedAs): those held if read at the current
   * generation, else the text `render` gives, encoded (kept if nothing changed while it was read).
   */
  async through(route: FindingsCacheRoute, key: string, coding: ContentCoding, render: () => Promise<string>): Promise<CodedBody> {
    if (this.maxBytes === 0 || !this.changes.listening) {
      if (this.entries.size > 0) this.clear();
      this.outcomes[route].bypass.inc();
      return codedAs(Buffer.from(await render()), coding);
    }
    const generation = this.changes.generation;
    if (generation !== this.generation) {
      this.clear();
      this.generation = generation;
    }
    const held = this.entries.get(key);
    if (held) {
      this.entries.delete(key);
      this.entries.set(key, held);
      this.outcomes[route].hit.inc();
      return this.coded(key, held, coding);
    }
    this.outcomes[route].miss.inc();
    const body = Buffer.from(await render());
    // Kept only if no change may have happened since the generation was read, before the query ran.
    if (!this.changes.listening || this.changes.generation !== generation) return codedAs(body, coding);
    return this.coded(key, this.keep(key, body), coding);
  }

  /** This process committed a write to the findings tables: no text read before is served again. */
  written(): void {
    this.changes.written();
  }

  /** The entry of `body`, held (and the least recently used dropped) unless it alone is over the bound. */
  private keep(key: string, body: Buffer): Entry {
    const entry: Entry = { body, gzip: undefined, bytes: body.length + Buffer.byteLength(key) };
    if (entry.bytes > this.maxBytes) return entry;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    this.dropOverBound();
    return entry;
  }

  /** The entry's text in `coding`: its gzip compressed on first asking, and kept with it while the entry is held. */
  private async coded(key: string, entry: Entry, coding: ContentCoding): Promise<CodedBody> {
    if (!gzipWanted(entry.body, coding)) return { body: entry.body, coding: 'identity' };
    if (entry.gzip) return { body: entry.gzip, coding: 'gzip' };
    const gzip = await gzipped(entry.body);
    // Dropped or replaced while compressing (a write, the bound), or too heavy to hold with its text
    // (it would push the text itself out): the gzip goes with the answer only.
    if (this.entries.get(key) === entry && !entry.gzip && entry.bytes + gzip.length <= this.maxBytes) {
      entry.gzip = gzip;
      entry.bytes += gzip.length;
      this.bytes += gzip.length;
      this.dropOverBound();
    }
    return { body: gzip, coding: 'gzip' };
  }

  private dropOverBound(): void {
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  private clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** A held text: its UTF-8 bytes, their gzip once a client asked for it, and what both weigh against the bound (with the key). */
interface Entry {
  body: Buffer;
  gzip: Buffer | undefined;
  bytes: number;
}
