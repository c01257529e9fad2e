import { once } from 'node:events';

const FLUSH_AT = 64 * 1024;

/**
 * Buffered writes to a stream that respect backpressure: text is collected up to 64 KiB, then
 * written, and the next flush waits for `drain` when the stream asked to slow down.
 */
export class OutputSink {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}
