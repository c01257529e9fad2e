/*
 * Flow logs delivered to CloudWatch Logs and exported to S3 with an export task (CreateExportTask).
 * The task writes gzip objects under `<prefix>/<task id>/<log stream>/`, each line the log event's
 * time in ISO 8601 UTC with milliseconds, a space, then the message (the flow-log record, never a
 * header), e.g. `2023-11-14T22:13:20.000Z 2 123456789012 eni-… REJECT OK`; and, to check that it may
 * write to the bucket, an object `aws-logs-write-test` under the prefix, which is not log data.
 */

/** The prefix CreateExportTask writes under when it is given no `destinationPrefix` (API reference). */
export const CLOUDWATCH_EXPORT_DEFAULT_PREFIX = 'exportedlogs';

/** Bytes of the timestamp an export writes before each message, with the space after it. */
export const CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH = 25;

/** The name of the object an export task writes to test its permission to write to the bucket. */
const WRITE_TEST_NAME = 'aws-logs-write-test';

/** Why the write test is not read, as a skipped file or object. */
export const CLOUDWATCH_EXPORT_WRITE_TEST_REASON =
  'CloudWatch Logs export write test (the permission check an export task leaves), not log data';

const CODE_0 = 48;
const CODE_9 = 57;

/** `YYYY-MM-DDTHH:MM:SS.mmmZ ` byte by byte: 0 for a digit, else the byte itself. */
const TIMESTAMP_SHAPE: readonly number[] = Array.from('0000-00-00T00:00:00.000Z ', (ch) => (ch === '0' ? 0 : ch.charCodeAt(0)));

/**
 * True when `bytes[start, end)` starts with an export's timestamp and the space after it. A fixed
 * 25-byte check, no regular expression: the reader makes it on every line of an exported file.
 */
export function hasCloudWatchExportTimestamp(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start <= CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH) return false;
  for (let i = 0; i < CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH; i++) {
    const c = bytes[start + i];
    const expected = TIMESTAMP_SHAPE[i];
    if (expected === 0 ? c < CODE_0 || c > CODE_9 : c !== expected) return false;
  }
  return true;
}

/** True when a path or S3 key names an export's write test (its last segment, exactly). */
export function isCloudWatchExportWriteTest(path: string): boolean {
  return path === WRITE_TEST_NAME || path.endsWith(`/${WRITE_TEST_NAME}`);
}
