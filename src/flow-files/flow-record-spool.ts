import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { FlowRecord } from '../engine/flow-log/flow-record';

const FLUSH_AT = 1 << 20;

/** Spool directories not yet disposed of: removed when the process exits early (`explain … | head`). */
const live = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(dir: string): void {
  live.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const path of live) rmSync(path, { recursive: true, force: true });
  });
}

/**
 * Flow records kept on disk between two passes over them, so an input is read once (a pipe, a
 * FIFO or `/dev/stdin` can be read only once) while memory stays bounded: `explain` indexes the
 * ACCEPT records on the way in and explains every record on the way out. Records are written as
 * JSON lines to a private temporary directory, removed by `dispose()` (or at exit, when the
 * process ends before: a closed output pipe).
 */
export class FlowRecordSpool {
  private pending: string[] = [];
  private size = 0;
  private count = 0;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private handle: FileHandle | null,
  ) {}

  static async create(): Promise<FlowRecordSpool> {
    const dir = await mkdtemp(join(tmpdir(), 'sgdoctor-spool-'));
    removeOnExit(dir);
    const path = join(dir, 'records.ndjson');
    return new FlowRecordSpool(dir, path, await open(path, 'wx', 0o600));
  }

  get records(): number {
    return this.count;
  }

  async add(record: FlowRecord): Promise<void> {
    const text = `${JSON.stringify(record)}\n`;
    this.pending.push(text);
    this.size += text.length;
    this.count++;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  /** Every record added, in order (call once, after the last `add`). */
  async *read(): AsyncGenerator<FlowRecord> {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as FlowRecord;
  }

  async dispose(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
    await rm(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
  }

  private async flush(): Promise<void> {
    if (this.size === 0 || !this.handle) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.size = 0;
    await this.handle.write(chunk);
  }
}
