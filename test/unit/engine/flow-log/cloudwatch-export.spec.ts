import { describe, expect, it } from 'vitest';

import {
  CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH,
  hasCloudWatchExportTimestamp,
  isCloudWatchExportWriteTest,
} from '../../../../src/engine/flow-log/cloudwatch-export';

const RECORD = '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.7 41000 443 6 10 840 1700000000 1700000060 REJECT OK';

function stamped(line: string): boolean {
  const bytes = Buffer.from(`xx${line}yy`);
  // Offsets inside a larger buffer, as the reader passes them.
  return hasCloudWatchExportTimestamp(bytes, 2, bytes.length - 2);
}

describe('hasCloudWatchExportTimestamp: the event time CloudWatch Logs writes before each exported message', () => {
  it.each([
    [`2023-11-14T22:13:20.000Z ${RECORD}`, true],
    [`1999-01-01T00:00:00.999Z x`, true],
    [RECORD, false],
    ['2023-11-14T22:13:20.000Z', false],
    [`2023-11-14T22:13:20Z ${RECORD}`, false],
    [`2023-11-14T22:13:20.000+00:00 ${RECORD}`, false],
    [`2023-11-14 22:13:20.000Z ${RECORD}`, false],
    [`2023-11-14T22:13:20.000z ${RECORD}`, false],
    [`2023-11-14T22:13:20.000Z\t${RECORD}`, false],
    [`2023-1a-14T22:13:20.000Z ${RECORD}`, false],
    [`1700000000000 ${RECORD}`, false],
  ])('%s → %s', (line, expected) => {
    expect(stamped(line)).toBe(expected);
  });

  it('covers the timestamp and the one space after it', () => {
    expect(CLOUDWATCH_EXPORT_TIMESTAMP_LENGTH).toBe('2023-11-14T22:13:20.000Z '.length);
  });
});

describe('isCloudWatchExportWriteTest: the object an export task writes to check it may write to the bucket', () => {
  it.each([
    ['aws-logs-write-test', true],
    ['exportedlogs/aws-logs-write-test', true],
    ['/data/export/aws-logs-write-test', true],
    ['exportedlogs/aws-logs-write-test.gz', false],
    ['exportedlogs/task/stream/000000.gz', false],
    ['my-aws-logs-write-test', false],
  ])('%s → %s', (path, expected) => {
    expect(isCloudWatchExportWriteTest(path)).toBe(expected);
  });
});
