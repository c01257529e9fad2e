import { gunzipSync } from 'node:zlib';

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
 * object holds the messages as lines instead, read like any text file.) A Lambda function subscribed
 * to the log group receives the same envelope as `{"awslogs":{"data":"<base64 of the gzip>"}}`:
 * such events, saved one after the other, are read alike.
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

/** A message, or why an item whose bounds the scanner knows (a whole object, one log event) was skipped. */
type MessageItem = string | SubscriptionEnvelopeError;

export interface SubscriptionReadOptions {
  /**
   * Called for each item skipped, with why and where: an object whose braces close but which is
   * not JSON (or whose Lambda data is not a compressed envelope), a log event that is not JSON or
   * has no text message. What follows it is read. Throwing stops the read.
   */
  onSkipped: (error: string) => void;
  /** Called with the `status` of Logs Insights results that is not `Complete` (their rows may be partial). */
  onPartialResults?: (status: string) => void;
}

/** The top-level member whose elements are read one by one: what `aws logs filter-log-events` and `get-log-events` print. */
const EVENTS_MEMBER = 'events';
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
/** Longer top-level strings are not member names sgdoctor looks for: only their end is tracked. */
const MAX_NAME_BYTES = 32;

/** The only GetQueryResults `status` whose results are all the query matches. */
const COMPLETE_QUERY = 'Complete';

/**
 * What to say of a file of Logs Insights results whose `status` is not `Complete`: `Scheduled` or
 * `Running` results are partial until the query completes (GetQueryResults may be called again), and
 * a query that timed out, failed or was cancelled never completed. Its records are read all the same.
 */
export function partialResultsMessage(status: string): string {
  const advice =
    status === 'Scheduled' || status === 'Running'
      ? 'save aws logs get-query-results again once the query is Complete'
      : 'run the query again (over a shorter time range if it timed out) and save its results once it is Complete';
  return (
    `Logs Insights results of a query whose status is ${status}, not Complete: its records were read, but they may be only ` +
    `part of what the query matches; ${advice}`
  );
}

/**
 * The log events' messages of the JSON objects in `chunks`, as lines (each message and a newline):
 * CloudWatch Logs subscription envelopes (one buffer per envelope), and the output of `aws logs
 * filter-log-events` or `get-log-events` (`{"events":[{"message":…},…],"nextToken":…}`, pages
 * saved one after the other). Objects are told apart byte by byte (depth, strings and their
 * escapes), so they may follow each other with or without whitespace between them. An envelope is
 * parsed whole; the `events` of a command's output, which holds as many events as the command
 * paged through, are parsed one at a time and given back as they come, the rest of the object
 * (paging tokens, searched streams) parsed once it closes. The results of a Logs Insights query
 * (`aws logs get-query-results`) are read whatever their `status`; one other than `Complete` (a
 * string: the API's `Scheduled`, `Running`, `Timeout`, `Failed`, `Cancelled`, `Unknown`) is given
 * to `onPartialResults`, as such results may be partial. An item the scanner knows the end of but
 * cannot read (an object that is not JSON, a log event without a text message) is given to
 * `onSkipped` in its place among the messages — those before it given back first — and the read
 * goes on after it. Throws SubscriptionEnvelopeError where it cannot go on (bytes that open no
 * object, an object cut short or too long, a JSON object of no known form, results without
 * `@message`): the reader reports it with the file, keeping what was read before.
 */
export async function* subscriptionMessageLines(chunks: AsyncIterable<Buffer>, options: SubscriptionReadOptions): AsyncGenerator<Buffer> {
  const { onSkipped, onPartialResults } = options;
  /** The bytes of the object being read (without its `events` elements) and of the event being read. */
  let parts: Buffer[] = [];
  let size = 0;
  let eventParts: Buffer[] = [];
  let eventSize = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let offset = 0;
  /** Where the object being read starts in the input (its bytes may leave out its `events` elements). */
  let objectAt = 0;
  /** The last string read at depth 1 (a member name, when an array or object follows it), if short. */
  let name: number[] | null = null;
  let lastName = '';
  /** Inside the top-level `events` array; `eventStart` ≥ 0 inside one of its elements. */
  let inEvents = false;
  let eventStart = -1;
  let eventIndex = 0;
  let eventsSeen = false;
  let pending: string[] = [];
  const tooLong = (what: string): SubscriptionEnvelopeError =>
    new SubscriptionEnvelopeError(`${what} longer than ${MAX_ENVELOPE_BYTES} bytes`);
  /** Queues the messages of `items`; a skipped item is reported once the messages before it are given back. */
  function* emit(items: readonly MessageItem[]): Generator<Buffer> {
    for (const item of items) {
      if (typeof item === 'string') {
        pending.push(item);
        continue;
      }
      if (pending.length > 0) {
        yield Buffer.from(`${pending.join('\n')}\n`);
        pending = [];
      }
      onSkipped(item.message);
    }
  }
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (depth === 0) {
        if (isJsonSpace(byte)) continue;
        if (byte !== OPEN_BRACE) throw new SubscriptionEnvelopeError(`not a CloudWatch Logs subscription record at byte ${offset + i}`);
        start = i;
        objectAt = offset + i;
        depth = 1;
        eventsSeen = false;
        eventIndex = 0;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          if (name !== null) lastName = Buffer.from(name).toString('latin1');
          name = null;
        } else if (name !== null) {
          if (name.length < MAX_NAME_BYTES) name.push(byte);
          else name = null;
        }
        continue;
      }
      if (inEvents && depth === 1 && byte !== OPEN_BRACE && byte !== CLOSE_BRACKET && byte !== COMMA && !isJsonSpace(byte)) {
        throw new SubscriptionEnvelopeError(`log event ${eventIndex} of the aws logs output at byte ${offset + i} is not a JSON object`);
      }
      if (byte === QUOTE) {
        inString = true;
        if (depth === 1 && !inEvents) {
          name = [];
          lastName = '';
        }
      } else if (byte === OPEN_BRACE) {
        if (++depth === 2 && inEvents) eventStart = i;
      } else if (byte === CLOSE_BRACE) {
        if (--depth === 1 && inEvents && eventStart >= 0) {
          eventParts.push(chunk.subarray(eventStart, i + 1));
          const event = Buffer.concat(eventParts);
          eventParts = [];
          eventSize = 0;
          eventStart = -1;
          yield* emit([parsedEventMessage(event, eventIndex++, offset + i + 1 - event.length)]);
        } else if (depth === 0) {
          parts.push(chunk.subarray(start, i + 1));
          const object = Buffer.concat(parts);
          parts = [];
          size = 0;
          yield* emit(eventsSeen ? commandOutputRest(object, objectAt) : messagesOf(object, objectAt, onPartialResults));
        }
      } else if (depth === 1 && byte === OPEN_BRACKET && !inEvents && lastName === EVENTS_MEMBER && !eventsSeen) {
        // The elements are read one by one and left out of the object's bytes: `"events":[]` remains.
        parts.push(chunk.subarray(start, i + 1));
        inEvents = true;
        eventsSeen = true;
      } else if (depth === 1 && byte === CLOSE_BRACKET && inEvents) {
        inEvents = false;
        start = i;
      }
    }
    if (inEvents) {
      if (eventStart >= 0) {
        // Copied: the chunk's buffer may be reused for the next read.
        const rest = Buffer.from(chunk.subarray(eventStart));
        eventSize += rest.length;
        if (eventSize > MAX_ENVELOPE_BYTES) throw tooLong('a log event');
        eventParts.push(rest);
        eventStart = 0;
      }
    } else if (depth > 0) {
      const rest = Buffer.from(chunk.subarray(start));
      size += rest.length;
      if (size > MAX_ENVELOPE_BYTES) throw tooLong('a CloudWatch Logs subscription record');
      parts.push(rest);
    }
    if (pending.length > 0) {
      yield Buffer.from(`${pending.join('\n')}\n`);
      pending = [];
    }
    offset += chunk.length;
  }
  if (depth > 0) throw new SubscriptionEnvelopeError('the last CloudWatch Logs subscription record is cut short');
}

/** One log event's message as a line (a record is one line: a message is never split into two), or why it has none. */
function eventMessage(event: unknown, index: number, at: number, container: string): MessageItem {
  const message = (event as { message?: unknown } | null)?.message;
  if (typeof message !== 'string')
    return new SubscriptionEnvelopeError(`log event ${index} of ${container} at byte ${at} has no text message`);
  return message.replace(/[\r\n]+/g, ' ');
}

/**
 * The `@message` of one row of Logs Insights results (`aws logs get-query-results`: each row a list
 * of `{field, value}`), as a line; throws when the query did not select it.
 */
function insightsMessage(row: unknown, index: number, at: number): string {
  const field = Array.isArray(row) ? (row as unknown[]).find((f) => (f as { field?: unknown } | null)?.field === '@message') : undefined;
  const message = (field as { value?: unknown } | undefined)?.value;
  if (typeof message !== 'string') {
    throw new SubscriptionEnvelopeError(
      `row ${index} of the Logs Insights results at byte ${at} has no @message field: query it (fields @timestamp, @message | …) to read the records`,
    );
  }
  return message.replace(/[\r\n]+/g, ' ');
}

/** The message of one event of an `aws logs` command's output, from its bytes, or why it has none. */
function parsedEventMessage(event: Buffer, index: number, at: number): MessageItem {
  let value: unknown;
  try {
    value = JSON.parse(event.toString('utf8'));
  } catch (err) {
    return new SubscriptionEnvelopeError(`log event ${index} of the aws logs output at byte ${at} is not JSON: ${(err as Error).message}`);
  }
  return eventMessage(value, index, at, 'the aws logs output');
}

/** Checks the rest of a `filter-log-events` / `get-log-events` output (its events already read): it must be JSON. */
function commandOutputRest(object: Buffer, at: number): MessageItem[] {
  try {
    JSON.parse(object.toString('utf8'));
  } catch (err) {
    return [new SubscriptionEnvelopeError(`the aws logs output at byte ${at} is not JSON: ${(err as Error).message}`)];
  }
  return [];
}

/**
 * The messages of one envelope (or Logs Insights results), none for a control message; the object
 * skipped when it is not JSON; throws when it is JSON but no envelope. Results whose `status` is
 * not `Complete` are reported.
 */
function messagesOf(envelope: Buffer, at: number, onPartialResults?: (status: string) => void): MessageItem[] {
  let value: unknown;
  try {
    value = JSON.parse(envelope.toString('utf8'));
  } catch (err) {
    return [new SubscriptionEnvelopeError(`the CloudWatch Logs subscription record at byte ${at} is not JSON: ${(err as Error).message}`)];
  }
  const lambda = lambdaEnvelope(value, at);
  if (lambda instanceof SubscriptionEnvelopeError) return [lambda];
  return messagesOfValue(lambda ?? value, at, onPartialResults);
}

/**
 * The envelope a Lambda function subscribed to a log group receives (`{"awslogs":{"data":…}}`:
 * the envelope gzip-compressed, in base64), parsed; null when `value` is no such event, why when
 * its data is not a compressed envelope.
 */
function lambdaEnvelope(value: unknown, at: number): unknown {
  const data = (value as { awslogs?: { data?: unknown } | null } | null)?.awslogs?.data;
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_ENVELOPE_BYTES }).toString('utf8'));
  } catch (err) {
    return new SubscriptionEnvelopeError(
      `the awslogs data of the Lambda event at byte ${at} is not a gzip-compressed CloudWatch Logs subscription record: ${(err as Error).message}`,
    );
  }
}

function messagesOfValue(value: unknown, at: number, onPartialResults?: (status: string) => void): MessageItem[] {
  const { messageType, logEvents, results, status } = value as {
    messageType?: unknown;
    logEvents?: unknown;
    results?: unknown;
    status?: unknown;
  };
  if (messageType === 'CONTROL_MESSAGE') return [];
  if (messageType === undefined && Array.isArray(results)) {
    const lines = (results as unknown[]).map((row, index) => insightsMessage(row, index, at));
    if (typeof status === 'string' && status !== COMPLETE_QUERY) onPartialResults?.(status);
    return lines;
  } else if (messageType === 'DATA_MESSAGE' && Array.isArray(logEvents)) {
    return (logEvents as unknown[]).map((event, index) => eventMessage(event, index, at, 'the CloudWatch Logs subscription record'));
  } else {
    throw new SubscriptionEnvelopeError(
      `the JSON object at byte ${at} is not a CloudWatch Logs subscription record (no messageType DATA_MESSAGE with logEvents) ` +
        'nor a Lambda subscription event (no awslogs data) nor the output of aws logs filter-log-events, get-log-events (no events) ' +
        'or get-query-results (no results)',
    );
  }
}
