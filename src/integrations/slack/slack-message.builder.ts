import type { Finding } from '../../engine/findings/finding';
import { describeChange, describeControl, findingTitle, interfacesLabel, serviceLabel, topPeers } from '../../engine/findings/finding-text';
import type { TicketContext } from '../jira/jira-issue.builder';

export type SlackFindingEvent = 'finding.opened' | 'finding.reopened' | 'finding.resolved';

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  /** Fallback for notifications and clients that cannot show blocks. */
  text: string;
  blocks: SlackBlock[];
}

const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const EVENT_PREFIX: Record<SlackFindingEvent, string> = {
  'finding.opened': 'New finding',
  'finding.reopened': 'Finding recurred',
  'finding.resolved': 'Finding resolved',
};

/** A Block Kit message for an incoming webhook. */
export function buildSlackMessage(event: SlackFindingEvent, finding: Finding, context: TicketContext = {}): SlackMessage {
  const t = finding.traffic;
  const title = `${EVENT_PREFIX[event]}: ${findingTitle(finding)}`;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, HEADER_MAX), emoji: false } },
    {
      type: 'section',
      fields: [
        field('Blocked by', describeControl(finding.blockedBy)),
        field('Traffic', `${serviceLabel(t.protocol, t.port)} ${t.direction}${t.returnTraffic ? ' (return)' : ''}`),
        field('Classification', `${finding.classification} · ${finding.severity}`),
        field('Rejected', `${t.records} records, ${t.packets} packets`),
        field('Interfaces', interfacesLabel(finding, Number.POSITIVE_INFINITY) || '—'),
        field('Seen', `${t.firstSeen} → ${t.lastSeen}`),
      ],
    },
  ];
  const peers = topPeers(finding, 5);
  if (peers.length > 0) {
    blocks.push(section(`*Top peers*\n${peers.map((p) => `• ${escape(p.address)}: ${p.records} records`).join('\n')}`));
  }
  const fix = finding.suggestedFix;
  if (fix !== null && event !== 'finding.resolved') {
    const summary = fix.changes.map((c) => `• ${escape(describeChange(c))}`).join('\n');
    blocks.push(section(`*Suggested fix*${fix.verified ? ' (verified)' : ' (not verified)'}\n${summary}`));
    const fence = '```';
    const room = SECTION_MAX - fence.length * 2 - 2;
    blocks.push(section(`${fence}\n${truncate(escape(fix.awsCli), room)}\n${fence}`));
    if (finding.dynamicHostPorts) blocks.push(section(`*Dynamic host ports*\n${escape(finding.dynamicHostPorts.message)}`));
  } else if (fix === null && event !== 'finding.resolved' && finding.fixNote) {
    blocks.push(section(`*No fix*\n${escape(finding.fixNote.message)}`));
  }
  const footer = [`Fingerprint \`${escape(finding.fingerprint)}\``];
  if (context.targetLabel) footer.push(escape(context.targetLabel));
  if (context.findingUrl) footer.push(`<${context.findingUrl.replace(/[<>|]/g, '')}|View in sgdoctor>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: footer.join(' · ') }] });
  return { text: title, blocks };
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(`*${label}*\n${escape(value)}`, 2000) };
}

function section(markdown: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(markdown, SECTION_MAX) } };
}

/** Slack's mrkdwn treats &, < and > as control characters. */
function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
