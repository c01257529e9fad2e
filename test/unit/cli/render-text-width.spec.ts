import { describe, expect, it } from 'vitest';
import { renderText, table, wrap } from '../../../src/cli/render-text';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { flowOf, hardeningSnapshot } from '../../support/factories/hardening-snapshot';

const T0 = 1_700_000_000;
const probe = (srcaddr: string, fields: Partial<FlowAggregate> = {}): FlowAggregate =>
  flowOf({ srcaddr, dstaddr: '10.1.10.11', srcport: 40000, dstport: 8443, servicePortSide: 'dst', firstSeen: T0, lastSeen: T0, ...fields });

const result = diagnose(hardeningSnapshot, [
  ...['10.1.10.12', '10.1.10.13'].map((a) => probe(a, { records: 12, packets: 36, lastSeen: T0 + 3600 })),
  { ...probe('10.1.10.50'), action: 'ACCEPT' as const },
  ...Array.from({ length: 12 }, (_, i) => probe('198.51.100.7', { dstport: 20 + i, records: 1 })),
]);

/** The lines of the tables: from the first heading row to the blank line after each table. */
function tableLines(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  let inTable = false;
  for (const line of lines) {
    if (/^#\s+(SEVERITY|CAMPAIGN)\b/.test(line) || /^#\s+\d+$/.test(line)) inTable = true;
    if (line.startsWith('[1] ') || line.startsWith('SCANNER ACTIVITY') || line.startsWith('COVERAGE') || line.startsWith('…'))
      inTable = false;
    if (inTable) out.push(line);
  }
  return out;
}

describe('text tables fit the terminal', () => {
  it('the input gives both tables', () => {
    const wide = renderText(result, { width: 200 });
    expect(wide).toMatch(/^#\s+SEVERITY/m);
    expect(wide).toMatch(/^#\s+CAMPAIGN/m);
  });

  it.each([40, 50, 60, 30])('at %i columns every table line fits, listing each row when the columns cannot', (width) => {
    const lines = tableLines(renderText(result, { width }));
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
  });

  it('a row listed keeps every cell, under its heading', () => {
    const rows = [
      ['#', 'SEVERITY', 'CLASS', 'TRAFFIC', 'BLOCKED BY', 'RECORDS', 'FIX'],
      ['1', 'medium', 'misconfiguration', 'out tcp/1500', 'sg-0app0000000000001', '1', 'SG egress rule, verified'],
    ];
    expect(table(rows, 40, { shrinkable: [3, 4, 6] })).toBe(
      [
        '#           1',
        'SEVERITY    medium',
        'CLASS       misconfiguration',
        'TRAFFIC     out tcp/1500',
        'BLOCKED BY  sg-0app0000000000001',
        'RECORDS     1',
        'FIX         SG egress rule, verified',
      ].join('\n'),
    );
    // Long cells are cut to the width, as in the table.
    expect(table(rows, 26, { shrinkable: [3, 4, 6] }).split('\n')).toContain('FIX         SG egress rul…');
  });

  it('a table that fits is laid out as before', () => {
    const rows = [
      ['#', 'A'],
      ['1', 'x'],
    ];
    expect(table(rows, 40)).toBe('#  A\n1  x');
    expect(table(rows)).toBe('#  A\n1  x');
  });

  it('at 80 and 120 columns and with --wide the tables stay columns', () => {
    for (const width of [80, 120, undefined]) {
      const lines = tableLines(renderText(result, { width }));
      expect(lines.filter((line) => /^#\s+(SEVERITY|CAMPAIGN)\b/.test(line))).toHaveLength(2);
      expect(lines.some((line) => /^#\s+\d+$/.test(line))).toBe(false);
    }
  });

  it.each([
    ['fits: one line', 'a short note', 20, 'a short note'],
    ['breaks between words, the rest indented', 'one two three four five', 11, 'one two\n  three\n  four five'],
    ['a word longer than a line keeps one of its own', 'see nat-0123456789abcdef0 now', 12, 'see\n  nat-0123456789abcdef0\n  now'],
    ['no width (--wide): one line', 'one two three four five', undefined, 'one two three four five'],
    ['runs of spaces break like one: no line of spaces alone', 'aaa  bbb ccc ', 3, 'aaa\n  bbb\n  ccc'],
    ['a width of 1: a word a line', 'a b c', 1, 'a\n  b\n  c'],
  ] as const)('a paragraph under a table wraps to the width: %s', (_name, text, width, expected) => {
    expect(wrap(text, width)).toBe(expected);
  });
});
