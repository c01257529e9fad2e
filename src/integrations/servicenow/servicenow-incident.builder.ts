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
import type { TicketContext } from '../jira/jira-issue.builder';

export interface ServiceNowIncidentConfig {
  category?: string;
  subcategory?: string;
  assignmentGroup?: string;
  callerId?: string;
  /** `close_code` choice on resolve; instances name these differently. */
  closeCode?: string;
  /** Incident state value for Resolved (6 on a stock instance). */
  resolvedState?: string;
  /** Incident state value used when a resolved finding recurs (2 = In Progress). */
  reopenState?: string;
}

/** Urgency and impact (1 high … 3 low); ServiceNow derives priority from the pair. */
const URGENCY_IMPACT: Record<Severity, { urgency: string; impact: string }> = {
  critical: { urgency: '1', impact: '1' },
  high: { urgency: '1', impact: '2' },
  medium: { urgency: '2', impact: '2' },
  low: { urgency: '3', impact: '3' },
};

const SHORT_DESCRIPTION_MAX = 160;

export type ServiceNowIncidentFields = Record<string, string>;

/** Body of `POST /api/now/table/incident`; `correlation_id` is the fingerprint (the dedupe key). */
export function buildIncidentBody(
  finding: Finding,
  config: ServiceNowIncidentConfig = {},
  context: TicketContext = {},
): ServiceNowIncidentFields {
  const short = `sgdoctor: ${findingTitle(finding)}`;
  const fields: ServiceNowIncidentFields = {
    short_description: short.length > SHORT_DESCRIPTION_MAX ? `${short.slice(0, SHORT_DESCRIPTION_MAX - 1)}…` : short,
    description: incidentDescription(finding, context),
    correlation_id: finding.fingerprint,
    correlation_display: 'sgdoctor',
    category: config.category ?? 'network',
    ...URGENCY_IMPACT[finding.severity],
  };
  if (config.subcategory) fields.subcategory = config.subcategory;
  if (config.assignmentGroup) fields.assignment_group = config.assignmentGroup;
  if (config.callerId) fields.caller_id = config.callerId;
  return fields;
}

/** `PATCH` body when the traffic recurs: a work note, and reopened if it had been resolved. */
export function buildRecurrenceUpdate(finding: Finding, reopen: boolean, config: ServiceNowIncidentConfig = {}): ServiceNowIncidentFields {
  const t = finding.traffic;
  const update: ServiceNowIncidentFields = {
    work_notes: `Rejected traffic recurred: ${t.records} records between ${t.firstSeen} and ${t.lastSeen}, still blocked by ${describeControl(finding.blockedBy)}.`,
  };
  if (reopen) update.state = config.reopenState ?? '2';
  return update;
}

export function buildResolveUpdate(finding: Finding, config: ServiceNowIncidentConfig = {}): ServiceNowIncidentFields {
  return {
    state: config.resolvedState ?? '6',
    close_code: config.closeCode ?? 'Resolved by change',
    close_notes: `The current configuration allows ${serviceLabel(finding.traffic.protocol, finding.traffic.port)} ${finding.traffic.direction} traffic that ${describeControl(finding.blockedBy)} used to reject (fingerprint ${finding.fingerprint}).`,
  };
}

function incidentDescription(finding: Finding, context: TicketContext): string {
  const t = finding.traffic;
  const fix = finding.suggestedFix;
  const lines = [
    `Classification: ${finding.classification}, severity ${finding.severity}`,
    `Blocked by: ${describeControl(finding.blockedBy)}`,
    `Traffic: ${serviceLabel(t.protocol, t.port)} ${t.direction}${t.returnTraffic ? ' (return traffic)' : ''}`,
    `Interfaces: ${interfacesLabel(finding, Number.POSITIVE_INFINITY) || '-'}`,
    `Rejected: ${t.records} records, ${t.packets} packets, ${t.bytes} bytes, ${t.firstSeen} to ${t.lastSeen}`,
    '',
    'Top peers:',
    ...topPeers(finding).map((p) => `  ${p.address}${p.interface ? ` (${p.interface})` : ''}: ${p.records} records`),
    '',
  ];
  if (fix === null) {
    lines.push(noFixSentence(finding));
  } else {
    lines.push(
      `Suggested fix${fix.verified ? ' (verified by simulation)' : ' (not verified)'}:`,
      ...fix.changes.map((c) => `  - ${describeChange(c)}`),
      ...(finding.fixNote ? [finding.fixNote.message] : []),
      '',
      'AWS CLI:',
      fix.awsCli,
      '',
      'Terraform:',
      fix.terraform,
      '',
      `Risks: ${fix.risks.length > 0 ? fix.risks.map((r) => r.message).join('; ') : 'none identified'}`,
    );
  }
  const hostPorts = finding.dynamicHostPorts;
  if (hostPorts) lines.push('', `Dynamic host ports: ${hostPorts.message}`, ...(hostPorts.fix ? [hostPorts.fix.awsCli] : []));
  lines.push('', `Fingerprint: ${finding.fingerprint}`);
  if (context.targetLabel) lines.push(`Target: ${context.targetLabel}`);
  if (context.findingUrl) lines.push(`Details: ${context.findingUrl}`);
  return lines.join('\n');
}
