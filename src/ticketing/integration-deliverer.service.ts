import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import type { Repository } from 'typeorm';
import { isRetryable } from '../common/errors/retryability';
import type { IntegrationsConfig } from '../config/app-config';
import type { Finding } from '../engine/findings/finding';
import { DomainEventType } from '../events/domain-event';
import { IntegrationError } from '../integrations/integration.errors';
import { JiraClient } from '../integrations/jira/jira.client';
import type { TicketContext } from '../integrations/jira/jira-issue.builder';
import { ServiceNowClient } from '../integrations/servicenow/servicenow.client';
import { buildSlackMessage, type SlackMessage } from '../integrations/slack/slack-message.builder';
import { SlackWebhookClient } from '../integrations/slack/slack-webhook.client';
import { basicAuth, sendJson, trimBaseUrl } from '../integrations/shared/json-http.util';
import type { AttemptResult } from '../webhooks/attempt-result';
import type { IntegrationCredentials } from '../webhooks/integration-settings';
import { OutboundHttpService } from '../webhooks/outbound-http.service';
import { PING_EVENT_TYPE, type WebhookEnvelope } from '../webhooks/webhook-envelope';
import type { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { FindingTicketEntity } from './finding-ticket.entity';
import { Clock } from '../common/clock/clock';

type FindingEventType = 'finding.opened' | 'finding.reopened' | 'finding.resolved';

/** A ticket as both clients return it, reduced to what is stored. */
interface TicketRef {
  externalId: string;
  key: string;
  url: string;
}

/**
 * Delivers events to Jira, ServiceNow and Slack subscriptions. A finding has one ticket per
 * subscription: opened creates it (after looking for one already carrying the fingerprint,
 * since Jira has no idempotency key and a retried attempt may have created it), reopened
 * comments on it, resolved comments/transitions or resolves the incident.
 */
@Injectable()
export class IntegrationDelivererService {
  private readonly publicUrl?: string;

  constructor(
    @InjectRepository(FindingTicketEntity) private readonly tickets: Repository<FindingTicketEntity>,
    private readonly http: OutboundHttpService,
    private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.publicUrl = config.get<IntegrationsConfig>('integrations', { infer: true })!.publicUrl;
  }

  async deliver(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials, envelope: WebhookEnvelope): Promise<AttemptResult> {
    const started = performance.now();
    try {
      const skipped = await this.dispatch(subscription, credentials, envelope);
      const durationMs = Math.round(performance.now() - started);
      return skipped === null
        ? { outcome: 'delivered', statusCode: null, durationMs, error: null }
        : { outcome: 'skipped', statusCode: null, durationMs, error: skipped };
    } catch (error) {
      if (!(error instanceof IntegrationError)) throw error;
      return {
        outcome: isRetryable(error) ? 'retry' : 'fail',
        statusCode: error.details.status ?? null,
        durationMs: Math.round(performance.now() - started),
        error: `${error.code}: ${error.message}`,
      };
    }
  }

  /** Null when done; otherwise why there was nothing to do. */
  private async dispatch(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials, envelope: WebhookEnvelope): Promise<string | null> {
    switch (subscription.format) {
      case 'slack':
        await this.slack(credentials).post(this.slackMessage(envelope));
        return null;
      case 'jira':
        if (envelope.type === PING_EVENT_TYPE) return this.checkJira(subscription, credentials);
        return this.ticket(subscription, envelope, this.jiraTracker(subscription, credentials));
      case 'servicenow':
        if (envelope.type === PING_EVENT_TYPE) return this.checkServiceNow(subscription, credentials);
        return this.ticket(subscription, envelope, this.serviceNowTracker(subscription, credentials));
      default:
        throw new IntegrationError('INTEGRATION.INVALID_INPUT', `format ${subscription.format} is not an integration`);
    }
  }

  private async ticket(subscription: WebhookSubscriptionEntity, envelope: WebhookEnvelope, tracker: Tracker): Promise<string | null> {
    const findingId = String(envelope.data.findingId ?? '');
    const finding = envelope.data.finding as Finding | undefined;
    if (!findingId || !finding) return `${envelope.type} carries no finding`;
    const context = this.context(findingId);
    const existing = await this.tickets.findOneBy({ findingId, subscriptionId: subscription.id });
    const type = envelope.type as FindingEventType;

    if (type === DomainEventType.FindingResolved) {
      const ref = existing ? toRef(existing) : await tracker.find(finding);
      if (!ref) return 'no ticket to resolve';
      await tracker.resolve(ref, finding, context);
      await this.store(subscription, findingId, ref, 'resolved', tracker.system);
      return null;
    }
    const opened = existing ? null : await tracker.open(finding, context);
    const ref = existing ? toRef(existing) : opened!;
    // A ticket created just now already describes the recurrence; an older one gets a comment.
    if (type === DomainEventType.FindingReopened && !opened?.created) {
      await tracker.recur(ref, finding, context, existing?.state === 'resolved');
    }
    await this.store(subscription, findingId, ref, 'open', tracker.system);
    return null;
  }

  private async store(subscription: WebhookSubscriptionEntity, findingId: string, ref: TicketRef, state: string, system: 'jira' | 'servicenow'): Promise<void> {
    await this.tickets
      .createQueryBuilder()
      .insert()
      .into(FindingTicketEntity)
      .values({ findingId, subscriptionId: subscription.id, system, externalId: ref.externalId, externalKey: ref.key, url: ref.url, state, lastSyncedAt: this.clock.now() })
      .orUpdate(['state', 'last_synced_at'], ['finding_id', 'subscription_id'])
      .execute();
  }

  private jiraTracker(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Tracker {
    const jira = subscription.settings.jira;
    if (!jira || !credentials.jiraApiToken) throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'Jira settings or API token missing');
    const client = new JiraClient(
      this.http.client,
      { baseUrl: subscription.url, email: jira.email, apiToken: credentials.jiraApiToken },
      { projectKey: jira.projectKey, issueType: jira.issueType, labels: jira.labels, resolveTransitionId: jira.resolveTransitionId },
    );
    const ref = (issue: { id: string; key: string; url: string }): TicketRef => ({ externalId: issue.id, key: issue.key, url: issue.url });
    return {
      system: 'jira',
      open: async (finding, context) => {
        const issue = await client.openIssue(finding, context);
        return { ...ref(issue), created: issue.created };
      },
      find: async (finding) => {
        const issue = await client.findIssue(finding.fingerprint);
        return issue ? ref(issue) : null;
      },
      recur: (ticket, finding, context) => client.commentRecurrence(ticket.key, finding, context),
      resolve: (ticket, finding, context) => client.resolve(ticket.key, finding, context),
    };
  }

  private serviceNowTracker(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Tracker {
    const settings = subscription.settings.servicenow ?? {};
    const client = new ServiceNowClient(
      this.http.client,
      { instanceUrl: subscription.url, credentials: this.serviceNowCredentials(settings.username, credentials) },
      { assignmentGroup: settings.assignmentGroup, category: settings.category },
    );
    const ref = (incident: { sysId: string; number: string; url: string }): TicketRef => ({ externalId: incident.sysId, key: incident.number, url: incident.url });
    return {
      system: 'servicenow',
      open: async (finding, context) => {
        const incident = await client.openIncident(finding, context);
        return { ...ref(incident), created: incident.created };
      },
      find: async (finding) => {
        const incident = await client.findByCorrelationId(finding.fingerprint);
        return incident ? ref(incident) : null;
      },
      recur: (ticket, finding, _context, reopen) => client.recordRecurrence(ticket.externalId, finding, reopen),
      resolve: (ticket, finding) => client.resolve(ticket.externalId, finding),
    };
  }

  private serviceNowCredentials(username: string | undefined, credentials: IntegrationCredentials) {
    if (credentials.servicenowToken) return { kind: 'bearer' as const, token: credentials.servicenowToken };
    if (username && credentials.servicenowPassword) return { kind: 'basic' as const, username, password: credentials.servicenowPassword };
    throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'ServiceNow credentials missing');
  }

  /** The test ping for Jira: who the token belongs to, which proves URL and credentials. */
  private async checkJira(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Promise<null> {
    const jira = subscription.settings.jira;
    if (!jira || !credentials.jiraApiToken) throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'Jira settings or API token missing');
    await sendJson(this.http.client, 'Jira', {
      method: 'GET',
      url: `${trimBaseUrl(subscription.url)}/rest/api/3/myself`,
      headers: { authorization: basicAuth(jira.email, credentials.jiraApiToken) },
    });
    return null;
  }

  /** The test ping for ServiceNow: read one incident with the stored credentials. */
  private async checkServiceNow(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Promise<null> {
    const auth = this.serviceNowCredentials(subscription.settings.servicenow?.username, credentials);
    await sendJson(this.http.client, 'ServiceNow', {
      method: 'GET',
      url: `${trimBaseUrl(subscription.url)}/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id`,
      headers: { authorization: auth.kind === 'basic' ? basicAuth(auth.username, auth.password) : `Bearer ${auth.token}` },
    });
    return null;
  }

  private slack(credentials: IntegrationCredentials): SlackWebhookClient {
    if (!credentials.slackWebhookUrl) throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'Slack webhook URL missing');
    return new SlackWebhookClient(this.http.client, credentials.slackWebhookUrl);
  }

  private slackMessage(envelope: WebhookEnvelope): SlackMessage {
    const finding = envelope.data.finding as Finding | undefined;
    const findingId = typeof envelope.data.findingId === 'string' ? envelope.data.findingId : undefined;
    if (finding && findingId && envelope.type.startsWith('finding.')) {
      return buildSlackMessage(envelope.type as FindingEventType, finding, this.context(findingId));
    }
    const text = summaryLine(envelope, this.publicUrl);
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }

  private context(findingId: string): TicketContext {
    return this.publicUrl ? { findingUrl: `${trimBaseUrl(this.publicUrl)}/v1/findings/${findingId}` } : {};
  }
}

/** The three operations a ticketing system offers, whatever its API. */
interface Tracker {
  system: 'jira' | 'servicenow';
  open(finding: Finding, context: TicketContext): Promise<TicketRef & { created: boolean }>;
  find(finding: Finding): Promise<TicketRef | null>;
  recur(ticket: TicketRef, finding: Finding, context: TicketContext, reopen: boolean): Promise<void>;
  resolve(ticket: TicketRef, finding: Finding, context: TicketContext): Promise<void>;
}

function toRef(entity: FindingTicketEntity): TicketRef {
  return { externalId: entity.externalId, key: entity.externalKey, url: entity.url };
}

/** A one-line Slack text for events that are not about one finding. */
function summaryLine(envelope: WebhookEnvelope, publicUrl: string | undefined): string {
  const data = envelope.data;
  switch (envelope.type) {
    case DomainEventType.AnalysisCompleted:
      return `sgdoctor analysis ${String(data.analysisId)} completed.`;
    case DomainEventType.AnalysisFailed:
      return `sgdoctor analysis ${String(data.analysisId)} failed.`;
    case DomainEventType.ReportReady: {
      const links = (data.links ?? {}) as Record<string, string>;
      const link = links.html ?? Object.values(links)[0];
      return `sgdoctor report ${String(data.reportId)} is ready${link && publicUrl ? `: ${trimBaseUrl(publicUrl)}${link}` : '.'}`;
    }
    case DomainEventType.WebhookDisabled:
      return `sgdoctor webhook ${String(data.name)} was disabled: ${String(data.reason)}.`;
    case PING_EVENT_TYPE:
      return 'Test message from sgdoctor.';
    default:
      return `sgdoctor event ${envelope.type}.`;
  }
}
