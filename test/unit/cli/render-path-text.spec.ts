import { describe, expect, it } from 'vitest';
import { renderPathText, renderWhoText } from '../../../src/cli/render-path-text';
import type { PathHop, PathVerdict } from '../../../src/engine/path/path-result';
import type { WhoCanReachResult } from '../../../src/engine/path/who-can-reach';

/** An OSC title sequence, a bell, a colour and a line of its own: what a value must not do to a terminal. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[31mRED\r\nFORGED';
const ESCAPED = '\\x1b]0;pwned\\x07\\x1b[31mRED\\r\\nFORGED';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const hop: PathHop = {
  hop: 'network-acl',
  direction: 'ingress',
  subnetId: 'subnet-0app',
  networkAclId: 'acl-0app',
  peer: '10.0.1.10',
  traffic: 'tcp/8080',
  checked: `network ACL acl-0app of ${HOSTILE}`,
  verdict: 'deny',
  rule: { ruleNumber: 100, action: 'deny' } as PathHop['rule'],
  explanationCode: 'SUBNET_ACL_RESTRICTION',
  reason: `denied for ${HOSTILE}`,
} as PathHop;

describe('why --format text escapes control characters in every value', () => {
  it('in the hops and their notes, each hop keeping its own two lines', () => {
    const result = {
      verdict: 'blocked',
      hops: [hop],
      blockedBy: [],
      reply: { verdict: 'allowed', hops: [], blockedBy: [] },
      suggestedFix: null,
      reason: `blocked for ${HOSTILE}`,
    } as unknown as PathVerdict;
    const text = renderPathText(result);
    expect(text).not.toMatch(CONTROL_BUT_NEWLINE);
    expect(text).not.toMatch(/^FORGED/m);
    expect(text).toContain(`BLOCKED: blocked for ${ESCAPED}`);
    expect(text).toContain(
      `  1. DENY    network ACL acl-0app of ${ESCAPED} [rule 100 deny]\n        SUBNET_ACL_RESTRICTION: denied for ${ESCAPED}\n`,
    );
  });

  it('in who can reach: the destination as asked and the sources', () => {
    const result = {
      destination: { input: `eni-0app${HOSTILE}`, interfaceId: 'eni-0app' },
      protocol: 6,
      port: 8080,
      sources: [
        {
          kind: 'cidr',
          peer: '10.0.0.0/16',
          groupId: 'sg-0app',
          verdict: 'allowed',
          reason: `because ${HOSTILE}`,
          blocks: [{ cidr: '10.0.0.0/16', nacl: { verdict: 'allow', segments: [], reason: null } }],
        },
      ],
    } as unknown as WhoCanReachResult;
    const text = renderWhoText(result);
    expect(text).not.toMatch(CONTROL_BUT_NEWLINE);
    expect(text).not.toMatch(/^FORGED/m);
    expect(text.split('\n')[0]).toBe(`who can reach eni-0app${ESCAPED} (eni-0app) on tcp/8080:`);
    expect(text).toContain(`because ${ESCAPED}`);
  });
});
