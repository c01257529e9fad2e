import { describe, expect, it } from 'vitest';

import { awsCliTextLine } from '../../../../src/engine/flow-log/aws-cli-text';

const RECORD = '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.7 41000 443 6 10 840 1700000000 1700000060 REJECT OK';
/** What `aws logs filter-log-events --output text` prints for one event: its members in the alphabetical order of their names. */
const EVENT = `EVENTS\t37952276182369254136406123869149570667850240000000000000\t1700000100000\teni-0a1b2c3d4e5f60718-all\t${RECORD}\t1700000000000`;

/** What awsCliTextLine says of `line`, read at offsets inside a larger buffer as the reader passes them. */
function read(line: string) {
  const bytes = Buffer.from(`xx${line}yy`);
  const result = awsCliTextLine(bytes, 2, bytes.length - 2);
  if (result?.kind === 'event') return { kind: 'event', message: bytes.toString('utf8', result.start, result.end) };
  return result;
}

describe('awsCliTextLine: the lines of aws logs filter-log-events --output text', () => {
  it("an EVENTS line's message column, as bytes of the line", () => {
    expect(read(EVENT)).toEqual({ kind: 'event', message: RECORD });
  });

  it('a SEARCHEDLOGSTREAMS line is no record', () => {
    expect(read('SEARCHEDLOGSTREAMS\teni-0a1b2c3d4e5f60718-all\tTrue')).toEqual({ kind: 'searched-streams' });
  });

  it.each([
    // get-log-events prints ingestionTime, message and timestamp only.
    `EVENTS\t1700000100000\t${RECORD}\t1700000000000`,
    `EVENTS\ta\tb\tc\t${RECORD}\t1700000000000\textra`,
    `EVENTS\t\t\t\t\t`,
  ])('an EVENTS line without the five values of a filtered event is refused, saying what to do: %s', (line) => {
    expect(read(line)).toEqual({ kind: 'invalid', error: expect.stringMatching(/filter-log-events.*--output json/) });
  });

  it.each([RECORD, 'EVENTS', 'EVENTS 1 2 3 4 5', 'SEARCHEDLOGSTREAMS', 'events\ta\tb\tc\td\te', `x${EVENT}`, ''])(
    'anything else is no such line: %j',
    (line) => {
      expect(read(line)).toBeNull();
    },
  );
});
