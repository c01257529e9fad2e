/*
 * Log events saved with `aws logs filter-log-events --output text`. The AWS CLI's text format
 * prints each object of a list as one line: the list's name in upper case, then the object's
 * scalar members in the alphabetical order of their names, separated by tabs. FilterLogEvents'
 * events (FilteredLogEvent: eventId, ingestionTime, logStreamName, message, timestamp) come out as
 *
 *   EVENTS<TAB>eventId<TAB>ingestionTime<TAB>logStreamName<TAB>message<TAB>timestamp
 *
 * and the log streams it searched, listed after them, as `SEARCHEDLOGSTREAMS<TAB>logStreamName<TAB>
 * searchedCompletely`. A flow-log record holds no tab (its fields are separated by spaces), so the
 * message is the fifth value.
 */

/** What a line of such output is: an event (the bytes of its message), a searched log stream, or an EVENTS line of another shape. */
export type AwsCliTextLine =
  { kind: 'event'; start: number; end: number } | { kind: 'searched-streams' } | { kind: 'invalid'; error: string };

const TAB = 9;
/** A line's first bytes, as ASCII. */
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const EVENTS = ascii('EVENTS\t');
const SEARCHED_LOG_STREAMS = ascii('SEARCHEDLOGSTREAMS\t');
/** The values of a filtered event, and where its message is among them. */
const EVENT_VALUES = 5;
const MESSAGE_VALUE = 3;
const NOT_A_FILTERED_EVENT =
  'an EVENTS line of aws logs --output text without the five values of filter-log-events (eventId, ingestionTime, ' +
  'logStreamName, message, timestamp): save the events with --output json';

function startsWith(bytes: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

/**
 * What `bytes[start, end)` is as a line of `aws logs filter-log-events --output text`, or null
 * when it is none (a flow-log record, a header, anything else). Cheap for other lines: they are
 * told apart by their first bytes.
 */
export function awsCliTextLine(bytes: Uint8Array, start: number, end: number): AwsCliTextLine | null {
  if (startsWith(bytes, start, end, SEARCHED_LOG_STREAMS)) return { kind: 'searched-streams' };
  if (!startsWith(bytes, start, end, EVENTS)) return null;
  let value = 0;
  let valueStart = start + EVENTS.length;
  let message: { start: number; end: number } | null = null;
  for (let i = valueStart; i <= end; i++) {
    if (i < end && bytes[i] !== TAB) continue;
    if (value === MESSAGE_VALUE) message = { start: valueStart, end: i };
    value++;
    valueStart = i + 1;
  }
  if (value !== EVENT_VALUES || message === null || message.end === message.start) return { kind: 'invalid', error: NOT_A_FILTERED_EVENT };
  return { kind: 'event', ...message };
}
