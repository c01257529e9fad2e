import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/cli/render-markdown';
import { renderText } from '../../../src/cli/render-text';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { flowOf, hardeningSnapshot } from '../../support/factories/hardening-snapshot';

const T0 = 1_700_000_000;
const probe = (srcaddr: string, fields: Partial<FlowAggregate> = {}): FlowAggregate =>
  flowOf({
    srcaddr,
    dstaddr: '10.1.10.11',
    srcport: 40000,
    dstport: 8443,
    servicePortSide: 'dst',
    ephemeralPortMin: 40000,
    ephemeralPortMax: 40000,
    records: 2,
    packets: 2,
    firstSeen: T0,
    lastSeen: T0,
    ...fields,
  });

describe('text and markdown say which peers a fix leaves out', () => {
  const result = diagnose(hardeningSnapshot, [
    ...['10.1.10.12', '10.1.10.13'].map((a) => probe(a, { records: 12, packets: 36, lastSeen: T0 + 3600 })),
    ...Array.from({ length: 30 }, (_, i) => probe(`${20 + i}.1.2.3`)),
    { ...probe('10.1.10.50'), action: 'ACCEPT' as const },
  ]);
  const note = result.findings.find((f) => f.fixNote)?.fixNote;

  it('the finding carries the note', () => {
    expect(note).toMatchObject({ reason: 'suspect-peers-left-out', excludedPeers: 30 });
  });

  it.each([
    ['text', renderText],
    ['markdown', renderMarkdown],
  ] as const)('%s prints it', (_name, render) => {
    const out = render(result);
    expect(out).toContain(note?.message);
    expect(out).toContain('30 peers left out');
  });
});
