import { describe, expect, it } from 'vitest';

import { malformedReport } from '../../../src/cli/input-errors';
import { createFlowReadStats } from '../../../src/flow-files/flow-file-reader';

describe('the input report on stderr', () => {
  it('when no record at all could be read, says how the format of files without a header is chosen and what to give', () => {
    const stats = createFlowReadStats();
    stats.malformed = 3;
    stats.malformedExamples.push({ file: 'flows.log', line: 1, error: 'expected 14 fields, found 29' });
    const report = malformedReport(stats);
    expect(report).toContain('sgdoctor: skipped 3 malformed flow-log lines\n  flows.log:1: expected 14 fields, found 29\n');
    expect(report).toContain(
      'sgdoctor: no flow-log record could be read: files without a header line are read in the format --log-format gives, ' +
        "else in the LogFormat of the snapshot's FlowLogs that reads their first record, else in the default version-2 format " +
        "(14 fields); give the flow log's LogFormat (aws ec2 describe-flow-logs) with --log-format\n",
    );
    // With some records read, the lines are only counted.
    stats.records = 1;
    expect(malformedReport(stats)).not.toContain('no flow-log record');
  });

  it('names the first records without interface-id, addresses, protocol or action with file and line, as malformed lines', () => {
    const stats = createFlowReadStats();
    stats.records = 9;
    stats.incomplete = 7;
    stats.incompleteByReason = { 'no interface-id': 6, 'no action': 1 };
    for (let line = 2; line <= 8; line++) {
      stats.incompleteExamples.push({ file: 'nat\n.log', line, reason: line === 8 ? 'no action' : 'no interface-id' });
    }
    expect(malformedReport(stats)).toBe(
      'sgdoctor: skipped 7 records without interface-id, addresses, protocol or action (1 no action, 6 no interface-id)\n' +
        '  nat\\n.log:2: no interface-id\n' +
        '  nat\\n.log:3: no interface-id\n' +
        '  nat\\n.log:4: no interface-id\n' +
        '  nat\\n.log:5: no interface-id\n' +
        '  nat\\n.log:6: no interface-id\n' +
        '  … and 2 more\n',
    );
  });

  it('names each file of Logs Insights results saved before their query completed, with its status and what to do', () => {
    const stats = createFlowReadStats();
    stats.records = 2;
    stats.partialResults.push({ file: 'running.json', status: 'Running' }, { file: 'late\n.json', status: 'Timeout' });
    expect(malformedReport(stats)).toBe(
      'sgdoctor: warning: running.json: Logs Insights results of a query whose status is Running, not Complete: ' +
        'its records were read, but they may be only part of what the query matches; save aws logs get-query-results ' +
        'again once the query is Complete\n' +
        'sgdoctor: warning: late\\n.json: Logs Insights results of a query whose status is Timeout, not Complete: ' +
        'its records were read, but they may be only part of what the query matches; run the query again ' +
        '(over a shorter time range if it timed out) and save its results once it is Complete\n',
    );
  });
});
