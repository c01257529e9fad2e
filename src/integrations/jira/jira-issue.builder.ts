import type { Finding, Severity } from '../../engine/findings/finding';
import {
  describeChange,
  describeControl,
  findingTitle,
  interfacesLabel,
  noFixSentence,
  serviceLabel,
  topPeers,
} from '../../engine/findings/finding-text';
import { AdfDocument, AdfNode, bulletList, code, codeBlock, doc, heading, link, paragraph, strong, table, text } from './adf';

export interface JiraProjectConfig {
  projectKey: string;
  /** Issue type by id (preferred: names are localised) or by name. */
  issueType: { id: string } | { name: string };
  /** Extra labels on every issue; spaces are not allowed in Jira labels. */
  labels?: string[];
  /** Priority name per severity, e.g. { critical: 'Highest' }; omitted severities set none. */
  priorityBySeverity?: Partial<Record<Severity, string>>;
  /** Transition to apply on resolve (from GET /rest/api/3/issue/{key}/transitions). */
  resolveTransitionId?: string;
}

/** What the ticket should link back to and where the finding lives. */
export interface TicketContext {
  findingUrl?: string;
  targetLabel?: string;
}

export interface JiraCreateIssueBody {
  fields: {
    project: { key: string };
    issuetype: { id: string } | { name: string };
    summary: string;
    description: AdfDocument;
    labels: string[];
    priority?: { name: string };
  };
}

const SUMMARY_MAX = 255;

/** The label that identifies a finding's issue, since Jira has no idempotency key. */
export function fingerprintLabel(fingerprint: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(fingerprint)) throw new Error('Fingerprint is not label-safe');
  return `sgdoctor-${fingerprint}`;
}

/** JQL finding the issue already opened for a fingerprint (labels are exact-match). */
export function fingerprintJql(projectKey: string, fingerprint: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,254}$/i.test(projectKey)) throw new Error('Project key is not valid');
  return `project = "${projectKey}" AND labels = "${fingerprintLabel(fingerprint)}" ORDER BY created DESC`;
}

export function buildCreateIssueBody(finding: Finding, config: JiraProjectConfig, context: TicketContext = {}): JiraCreateIssueBody {
  const summary = `[sgdoctor] ${findingTitle(finding)}${context.targetLabel ? ` in ${context.targetLabel}` : ''}`;
  const labels = [...new Set(['sgdoctor', fingerprintLabel(finding.fingerprint), ...(config.labels ?? [])])];
  const priority = config.priorityBySeverity?.[finding.severity];
  return {
    fields: {
      project: { key: config.projectKey },
      issuetype: config.issueType,
      summary: summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary,
      description: buildFindingDescription(finding, context),
      labels,
      ...(priority ? { priority: { name: priority } } : {}),
    },
  };
}

/** The evidence and the fix, as an ADF document. */
export function buildFindingDescription(finding: Finding, context: TicketContext = {}): AdfDocument {
  const t = finding.traffic;
  const fix = finding.suggestedFix;
  const nodes: AdfNode[] = [
    paragraph(
      text('sgdoctor found rejected '),
      text(serviceLabel(t.protocol, t.port), code),
      text(` ${t.returnTraffic ? 'return traffic' : t.direction + ' traffic'} classified as `),
      text(finding.classification, strong),
      text(` (severity ${finding.severity}).`),
    ),
    heading(3, 'Blocking control'),
    paragraph(describeControl(finding.blockedBy)),
    heading(3, 'Traffic'),
    bulletList([
      `Direction: ${t.direction}${t.returnTraffic ? ' (return traffic)' : ''}`,
      `Service: ${serviceLabel(t.protocol, t.port)}`,
      `Interfaces: ${interfacesLabel(finding, Number.POSITIVE_INFINITY) || '—'}`,
      `Rejected: ${t.records} records, ${t.packets} packets, ${t.bytes} bytes`,
      `Seen: ${t.firstSeen} to ${t.lastSeen}`,
      `Signals: ${finding.signals.join(', ') || '—'}`,
    ]),
    heading(3, 'Top peers'),
    table(
      ['Peer', 'Interface', 'Security groups', 'Records'],
      topPeers(finding).map((p) => [p.address, p.interface ?? '—', p.groupIds?.join(', ') || '—', String(p.records)]),
    ),
    heading(3, 'Suggested fix'),
  ];
  if (fix === null) {
    nodes.push(paragraph(noFixSentence(finding)));
  } else {
    nodes.push(
      bulletList(fix.changes.map(describeChange)),
      paragraph(
        fix.verified ? 'Verified by simulation: the observed flows become allowed.' : 'Not verified by simulation: review before applying.',
      ),
      ...(finding.fixNote ? [paragraph(finding.fixNote.message)] : []),
      heading(4, 'AWS CLI'),
      codeBlock(fix.awsCli, 'bash'),
      heading(4, 'Terraform'),
      codeBlock(fix.terraform, 'hcl'),
      heading(3, 'Risks'),
      fix.risks.length > 0 ? bulletList(fix.risks.map((r) => `${r.kind}: ${r.message}`)) : paragraph('None identified.'),
    );
  }
  const hostPorts = finding.dynamicHostPorts;
  if (hostPorts) {
    nodes.push(heading(3, 'One rule for the dynamic host ports'), paragraph(hostPorts.message));
    if (hostPorts.fix) nodes.push(codeBlock(hostPorts.fix.awsCli, 'bash'));
  }
  nodes.push(fingerprintFooter(finding, context));
  return doc(...nodes);
}

export function buildRecurrenceComment(finding: Finding, context: TicketContext = {}): { body: AdfDocument } {
  const t = finding.traffic;
  return {
    body: doc(
      paragraph(
        text('The rejected traffic recurred: ', strong),
        text(`${t.records} records between ${t.firstSeen} and ${t.lastSeen}, still blocked by ${describeControl(finding.blockedBy)}.`),
      ),
      fingerprintFooter(finding, context),
    ),
  };
}

export function buildResolutionComment(finding: Finding, context: TicketContext = {}): { body: AdfDocument } {
  return {
    body: doc(
      paragraph(
        text('Resolved: ', strong),
        text(
          `the current configuration allows ${serviceLabel(finding.traffic.protocol, finding.traffic.port)} ${finding.traffic.direction} traffic that ${describeControl(finding.blockedBy)} used to reject.`,
        ),
      ),
      fingerprintFooter(finding, context),
    ),
  };
}

function fingerprintFooter(finding: Finding, context: TicketContext): AdfNode {
  const parts: AdfNode[] = [text('Fingerprint '), text(finding.fingerprint, code)];
  if (context.findingUrl) parts.push(text(' · '), text('view in sgdoctor', link(context.findingUrl)));
  return paragraph(...parts);
}
