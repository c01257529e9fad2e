import { describe, expect, it } from 'vitest';
import { campaignLabel } from '../../../src/cli/finding-labels';
import { renderMarkdown } from '../../../src/cli/render-markdown';
import { renderText } from '../../../src/cli/render-text';
import { diagnose } from '../../../src/engine/diagnose/diagnose';
import type { FlowAggregate } from '../../../src/engine/flow-log/flow-record';
import { flowOf, hardeningSnapshot } from '../../support/factories/hardening-snapshot';
import { APP1, OPEN, allow, baseWorld, natGatewayEni, retries, runDiagnose, tcp } from '../../support/factories/scenario-network';

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

describe('text and markdown say why requests to a NAT gateway get no rule change', () => {
  const NAT_PRIVATE = '10.0.7.5';
  const NAT_PUBLIC = '3.90.0.5';
  const BOT = '198.51.100.23';
  // A public subnet whose NACL admits only the answers of what leaves through its NAT gateway, and
  // an app group that lets out only PostgreSQL.
  const world = baseWorld()
    .subnet('subnet-public', 'vpc-main', '10.0.7.0/24')
    .acl('acl-public', [allow(100, '0.0.0.0/0', '6', [1024, 65535])], OPEN)
    .eni(natGatewayEni(NAT_PRIVATE, NAT_PUBLIC))
    .egress('sg-app', tcp(5432, '10.0.3.0/24'));
  const result = runDiagnose(world, [
    // A scanner's campaign, the busiest: the first row of the campaign table.
    ...Array.from({ length: 12 }, (_, i) => ({ eni: 'eni-app1', src: '203.0.113.9', dst: APP1, sport: 50000, dport: 2000 + i })),
    // An internet host retrying SSH at the gateway's Elastic IP: the second, with its note.
    ...retries({ eni: 'eni-nat1', dir: 'ingress', src: BOT, dst: NAT_PUBLIC, sport: 51000, dport: 22 }, 4),
    // The app host's own HTTPS to the gateway's private address: a rule finding without a fix.
    ...retries({ eni: 'eni-app1', dir: 'egress', src: APP1, dst: NAT_PRIVATE, sport: 40000, dport: 443 }, 4),
  ]);
  const campaign = result.findings.find((f) => f.kind === 'campaign' && f.fixNote);
  const rule = result.findings.find((f) => f.kind === 'rule');
  const campaignNote = campaign?.fixNote?.message ?? '';
  /** What the campaign table calls it. */
  const label = campaign ? campaignLabel(campaign) : '';
  /** The note's line and its continuations (indented), joined again. */
  const noteOf = (out: string): string => {
    const lines = out.split('\n');
    const at = lines.findIndex((line) => line.startsWith('Note on #'));
    expect(at, out).toBeGreaterThanOrEqual(0);
    let end = at + 1;
    while (end < lines.length && lines[end].startsWith('  ')) end++;
    return lines
      .slice(at, end)
      .map((line) => line.trim())
      .join(' ');
  };

  it('the input gives a noted campaign, second by records, and a rule finding noted the same way', () => {
    expect(campaign?.fixNote?.reason).toBe('to-nat-gateway');
    expect(campaign?.traffic.peers.map((p) => p.address)).toEqual([BOT]);
    expect(result.findings.filter((f) => f.kind === 'campaign').sort((a, b) => b.traffic.records - a.traffic.records)[1]).toBe(campaign);
    expect(rule?.suggestedFix).toBeNull();
    expect(rule?.fixNote?.reason).toBe('to-nat-gateway');
  });

  it.each([
    ['fitted to 120 columns', 120],
    ['fitted to 50 columns', 50],
    ['--wide', undefined],
  ] as const)('text, %s: a note under the campaign table names the campaign by its row', (_name, width) => {
    const out = renderText(result, { width });
    expect(noteOf(out)).toBe(`Note on #2 (${label}): ${campaignNote}`);
    const lines = out.split('\n');
    const at = lines.findIndex((line) => line.startsWith('Note on #'));
    // After the campaign table (its heading row, or its rows listed under the headings when it is too wide), and as wide as the terminal.
    expect(lines.slice(0, at).some((line) => /^(#\s+)?CAMPAIGN\b/.test(line))).toBe(true);
    if (width === undefined) expect(lines[at + 1] ?? '').not.toMatch(/^ {2}\S/);
    else
      for (let i = at; i < lines.length && (i === at || lines[i].startsWith('  ')); i++) expect(lines[i].length).toBeLessThanOrEqual(width);
  });

  it('text: the rule finding says why it has no fix', () => {
    const out = renderText(result);
    expect(out).toContain(`fix             ${rule?.fixNote?.message}`);
    expect(out).toContain('none (to-nat-gateway)');
  });

  it('markdown: a note under the campaign table, and the rule finding’s in its section', () => {
    const out = renderMarkdown(result);
    const lines = out.split('\n');
    const at = lines.indexOf(`- Note on #2 (${label}): ${campaignNote}`);
    expect(at, out).toBeGreaterThan(0);
    expect(lines.slice(0, at).some((line) => line.startsWith('| # | campaign |'))).toBe(true);
    expect(out).toContain(rule?.fixNote?.message);
  });
});
