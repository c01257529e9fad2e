import { z } from 'zod';
import type { Finding } from '../../engine/findings/finding';
import type { SafeHttpClient } from '../../outbound-http/safe-http-client';
import { basicAuth, parseJson, sendJson, trimBaseUrl } from '../shared/json-http.util';
import {
  buildCreateIssueBody,
  buildRecurrenceComment,
  buildResolutionComment,
  fingerprintJql,
  JiraProjectConfig,
  TicketContext,
} from './jira-issue.builder';

export interface JiraConnection {
  /** `https://your-domain.atlassian.net` */
  baseUrl: string;
  email: string;
  apiToken: string;
}

export interface JiraIssueRef {
  id: string;
  key: string;
  url: string;
}

const createdSchema = z.object({ id: z.string(), key: z.string() });
const searchSchema = z.object({
  issues: z.array(z.object({ id: z.string(), key: z.string() })).default([]),
  nextPageToken: z.string().nullish(),
});

const SYSTEM = 'Jira';

/**
 * Jira Cloud REST v3 for one project. Jira has no idempotency key, so opening a ticket first
 * searches for the finding's fingerprint label; callers also store the returned key on the
 * finding and pass it back for comments and resolution.
 */
export class JiraClient {
  private readonly baseUrl: string;
  private readonly authorization: string;

  constructor(
    private readonly http: SafeHttpClient,
    connection: JiraConnection,
    private readonly project: JiraProjectConfig,
  ) {
    this.baseUrl = trimBaseUrl(connection.baseUrl);
    this.authorization = basicAuth(connection.email, connection.apiToken);
  }

  /** The existing issue for this fingerprint, or a new one. */
  async openIssue(finding: Finding, context: TicketContext = {}): Promise<JiraIssueRef & { created: boolean }> {
    const existing = await this.findIssue(finding.fingerprint);
    if (existing) return { ...existing, created: false };
    const response = await this.send('POST', '/rest/api/3/issue', buildCreateIssueBody(finding, this.project, context));
    const created = parseJson(SYSTEM, response, createdSchema);
    return { ...this.ref(created), created: true };
  }

  async findIssue(fingerprint: string): Promise<JiraIssueRef | null> {
    // The enhanced search endpoint; the old /rest/api/3/search was removed from Jira Cloud.
    const response = await this.send('POST', '/rest/api/3/search/jql', {
      jql: fingerprintJql(this.project.projectKey, fingerprint),
      fields: ['summary', 'status'],
      maxResults: 1,
    });
    const [first] = parseJson(SYSTEM, response, searchSchema).issues;
    return first ? this.ref(first) : null;
  }

  async commentRecurrence(issueKey: string, finding: Finding, context: TicketContext = {}): Promise<void> {
    await this.send('POST', `/rest/api/3/issue/${encodeURIComponent(issueKey)}/comment`, buildRecurrenceComment(finding, context));
  }

  /** Comments, then applies the configured transition when there is one. */
  async resolve(issueKey: string, finding: Finding, context: TicketContext = {}): Promise<void> {
    const key = encodeURIComponent(issueKey);
    await this.send('POST', `/rest/api/3/issue/${key}/comment`, buildResolutionComment(finding, context));
    if (this.project.resolveTransitionId) {
      await this.send('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: this.project.resolveTransitionId } });
    }
  }

  private ref(issue: { id: string; key: string }): JiraIssueRef {
    return { id: issue.id, key: issue.key, url: `${this.baseUrl}/browse/${issue.key}` };
  }

  private send(method: 'POST', path: string, body: unknown) {
    return sendJson(this.http, SYSTEM, { method, url: this.baseUrl + path, headers: { authorization: this.authorization }, body });
  }
}
