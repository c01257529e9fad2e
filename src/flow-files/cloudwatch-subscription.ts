/*
 * Flow logs published to CloudWatch Logs and streamed on by a subscription filter to Data Firehose,
 * which delivers them to S3. CloudWatch Logs sends each batch of log events as one JSON envelope,
 * gzip-compressed:
 *
 *   {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"…","logStream":"eni-…-all",
 *    "subscriptionFilters":["…"],"logEvents":[{"id":"…","timestamp":1700000000000,"message":"2 123456789012 eni-… REJECT OK"},…]}
 *
 * and Firehose writes the records of a buffer one after the other, with no separator (unless its
 * processing adds one): an object holds concatenated gzip members (read as one stream by gunzip),
 * or, when Firehose compresses the object too, a gzip of them. `CONTROL_MESSAGE` envelopes, which
 * CloudWatch Logs sends to check that the destination is reachable, carry no log events. Each log
 * event's message is a flow-log record, never a header. (With Firehose's message extraction, the
 * object holds the messages as lines instead, read like any text file.)
 */

/** An envelope larger than this is not one CloudWatch Logs sends (a batch is at most 1 MB of events). */
export const MAX_ENVELOPE_BYTES = 16 << 20;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** True when the first byte of `bytes` that is not whitespace opens a JSON object: the input is envelopes, not lines. */
export function startsWithJsonObject(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (!isJsonSpace(byte)) return byte === OPEN_BRACE;
  }
  return false;
}

/** An input that claims to be envelopes and is not (cut short, not JSON, not CloudWatch Logs'). */
export class SubscriptionEnvelopeError extends Error {}

/**
 * The log events' messages of the envelopes in `chunks`, as lines (each message and a newline), one
 * buffer per envelope. Objects are told apart byte by byte (depth, strings and their escapes), so
 * envelopes may follow each other with or without whitespace between them; each is then parsed
 * whole. Throws SubscriptionEnvelopeError on anything else: the reader reports it with the file,
 * keeping what was read before.
 */
export async function* subscriptionMessageLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let offset = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (depth === 0) {
        if (isJsonSpace(byte)) continue;
        if (byte !== OPEN_BRACE) throw new SubscriptionEnvelopeError(`not a CloudWatch Logs subscription record at byte ${offset + i}`);
        start = i;
        depth = 1;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE) depth++;
      else if (byte === CLOSE_BRACE && --depth === 0) {
        parts.push(chunk.subarray(start, i + 1));
        const envelope = Buffer.concat(parts);
        parts = [];
        size = 0;
        const lines = messageLinesOf(envelope, offset + i + 1 - envelope.length);
        if (lines) yield lines;
      }
    }
    if (depth > 0) {
      // Copied: the chunk's buffer may be reused for the next read.
      const rest = Buffer.from(chunk.subarray(start));
      size += rest.length;
      if (size > MAX_ENVELOPE_BYTES) {
        throw new SubscriptionEnvelopeError(`a CloudWatch Logs subscription record longer than ${MAX_ENVELOPE_BYTES} bytes`);
      }
      parts.push(rest);
    }
    offset += chunk.length;
  }
  if (depth > 0) throw new SubscriptionEnvelopeError('the last CloudWatch Logs subscription record is cut short');
}

/** The messages of one envelope as lines, or null for a control message; throws when it is not an envelope. */
function messageLinesOf(envelope: Buffer, at: number): Buffer | null {
  let value: unknown;
  try {
    value = JSON.parse(envelope.toString('utf8'));
  } catch (err) {
    throw new SubscriptionEnvelopeError(`the CloudWatch Logs subscription record at byte ${at} is not JSON: ${(err as Error).message}`);
  }
  const { messageType, logEvents } = value as { messageType?: unknown; logEvents?: unknown };
  if (messageType === 'CONTROL_MESSAGE') return null;
  if (messageType !== 'DATA_MESSAGE' || !Array.isArray(logEvents)) {
    throw new SubscriptionEnvelopeError(
      `the JSON object at byte ${at} is not a CloudWatch Logs subscription record (no messageType DATA_MESSAGE with logEvents)`,
    );
  }
  const lines: string[] = [];
  for (const [index, event] of (logEvents as unknown[]).entries()) {
    const message = (event as { message?: unknown } | null)?.message;
    if (typeof message !== 'string') {
      throw new SubscriptionEnvelopeError(
        `log event ${index} of the CloudWatch Logs subscription record at byte ${at} has no text message`,
      );
    }
    // A record is one line: a message is never split into two.
    lines.push(message.replace(/[\r\n]+/g, ' '));
  }
  return lines.length > 0 ? Buffer.from(`${lines.join('\n')}\n`) : null;
}
