import { describe, expect, it } from 'vitest';
import { explainTextLine } from '../../../src/cli/explain-line';
import { renderMarkdown } from '../../../src/cli/render-markdown';
import { renderText } from '../../../src/cli/render-text';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import type { FlowVerdict } from '../../../src/engine/evaluate/verdict';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import type { NetworkSnapshot } from '../../../src/engine/network/snapshot';
import { flowOf, hardeningSnapshot } from '../../support/factories/hardening-snapshot';

/** An OSC title sequence, a bell, a colour and a line of its own: what a value must not do to a terminal. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[31mRED\r\nFORGED';
const ESCAPED = '\\x1b]0;pwned\\x07\\x1b[31mRED\\r\\nFORGED';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Every interface requested by a principal whose name carries HOSTILE (the owner label of an interface without instance). */
const hostileSnapshot: NetworkSnapshot = {
  ...hardeningSnapshot,
  NetworkInterfaces: (hardeningSnapshot.NetworkInterfaces ?? []).map((eni) => {
    const { Attachment: _attachment, Description: _description, InterfaceType: _type, ...rest } = eni;
    return { ...rest, RequesterId: `requester${HOSTILE}` };
  }),
};

const T0 = 1_700_000_000;
const probe = (srcaddr: string, fields: Partial<FlowAggregate> = {}): FlowAggregate =>
  flowOf({ srcaddr, dstaddr: '10.1.10.11', srcport: 40000, dstport: 8443, servicePortSide: 'dst', firstSeen: T0, lastSeen: T0, ...fields });

describe('control characters in values are escaped, as in file names', () => {
  // Internal peers retrying a port the interface accepts from another: a likely misconfiguration, with a fix.
  const result = diagnose(hostileSnapshot, [
    ...['10.1.10.12', '10.1.10.13'].map((a) => probe(a, { records: 12, packets: 36, lastSeen: T0 + 3600 })),
    { ...probe('10.1.10.50'), action: 'ACCEPT' as const },
    probe('203.0.113.9'),
  ]);

  it('the findings carry the hostile owner (the input of the renderers)', () => {
    expect(result.findings.find((f) => f.suggestedFix)?.traffic.interfaces[0].owner).toContain(HOSTILE);
  });

  it.each([
    ['text, fitted', (r: typeof result) => renderText(r, { width: 120 })],
    ['text, --wide', (r: typeof result) => renderText(r)],
    ['markdown', renderMarkdown],
  ] as const)('diagnose %s', (_name, render) => {
    const out = render(result);
    expect(out).not.toMatch(CONTROL_BUT_NEWLINE);
    expect(out.split('\n').some((line) => line.startsWith('FORGED'))).toBe(false);
    expect(out).toContain('\\x1b]0;pwned\\x07');
  });

  it('explain text', () => {
    const verdict: FlowVerdict = {
      verdict: 'unknown',
      direction: 'ingress',
      returnTraffic: false,
      blockedBy: [],
      reason: `eni-a${HOSTILE} is not in the snapshot`,
    } as FlowVerdict;
    const line = explainTextLine(
      {
        'interface-id': `eni-a${HOSTILE}`,
        srcaddr: '10.0.0.1',
        dstaddr: '10.0.0.2',
        srcport: 1,
        dstport: 2,
        protocol: 6,
        action: 'REJECT',
      },
      verdict,
    );
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/); // eslint-disable-line no-control-regex
    expect(line).toContain(`eni-a${ESCAPED}`);
  });
});
