import { isRetryable } from '../../common/errors/retryability';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import type { FieldError } from '../../common/errors/app.error';
import type { IntegrationsConfig } from '../../config/app-config';
import type { Finding } from '../../engine/findings/finding';
import { DomainEventType } from '../../events/domain-event';
import { JiraClient } from '../../integrations/jira/jira.client';
import type { TicketContext } from '../../integrations/jira/jira-issue.builder';
import { ServiceNowClient } from '../../integrations/servicenow/servicenow.client';
import { buildSlackMessage, type SlackMessage } from '../../integrations/slack/slack-message.builder';
import { SlackWebhookClient } from '../../integrations/slack/slack-webhook.client';
import { basicAuth, sendJson, trimBaseUrl } from '../../integrations/shared/json-http.util';
import { IntegrationError } from '../../outbound-http/integration.errors';
import { OutboundHttpService } from '../../outbound-http/outbound-http.service';
import { SecretBoxService } from '../../outbound-http/secret-box.service';
import { FindingTicketsService, type TicketRef } from '../../ticketing/finding-tickets.service';
import type { AttemptResult } from '../attempt-result';
import type { UpdateWebhookDto } from '../dto/update-webhook.dto';
import type { IntegrationCredentials } from '../integration-settings';
import { parseEnvelope, PING_EVENT_TYPE, type WebhookEnvelope } from '../webhook-envelope';
import type { WebhookSubscriptionEntity } from '../webhook-subscription.entity';
import { originOf, requiredFor, type DeliveryChannel, type OutgoingDelivery, type ResolvedDestination } from './delivery-channel';

type FindingEventType = 'finding.opened' | 'finding.reopened' | 'finding.resolved';
type IntegrationFormat = 'jira' | 'servicenow' | 'slack';

/**
 * What the Jira, ServiceNow and Slack channels share: the credentials are decrypted and the
 * envelope parsed before sending, and a failure of the remote system (IntegrationError) is an
 * attempt's result, retried when the system says it is worth it.
 */
@Injectable()
abstract class IntegrationChannel<F extends IntegrationFormat> implements DeliveryChannel<F> {
  abstract readonly format: F;
  protected readonly publicUrl?: string;

  constructor(
    protected readonly http: OutboundHttpService,
    private readonly secrets: SecretBoxService,
    config: ConfigService,
  ) {
    this.publicUrl = config.get<IntegrationsConfig>('integrations', { infer: true })!.publicUrl;
  }

  abstract destination(config: UpdateWebhookDto, creating: boolean, errors: FieldError[]): ResolvedDestination | null;

  /** Null when done; otherwise why there was nothing to do. */
  protected abstract send(
    subscription: WebhookSubscriptionEntity,
    credentials: IntegrationCredentials,
    envelope: WebhookEnvelope,
  ): Promise<string | null>;

  async deliver(delivery: OutgoingDelivery, subscription: WebhookSubscriptionEntity): Promise<AttemptResult> {
    const credentials = subscription.credentialsEncrypted
      ? (JSON.parse(this.secrets.decrypt(subscription.credentialsEncrypted, subscription.id)) as IntegrationCredentials)
      : {};
    const envelope = parseEnvelope(delivery.payload);
    const started = performance.now();
    try {
      const skipped = await this.send(subscription, credentials, envelope);
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

  protected context(findingId: string): TicketContext {
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

/**
 * A finding has one ticket per subscription: opened creates it (after looking for one already
 * carrying the fingerprint, since Jira has no idempotency key and a retried attempt may have
 * created it), reopened comments on it, resolved comments/transitions or resolves the incident.
 */
@Injectable()
abstract class TicketChannel<F extends 'jira' | 'servicenow'> extends IntegrationChannel<F> {
  constructor(
    http: OutboundHttpService,
    secrets: SecretBoxService,
    config: ConfigService,
    private readonly tickets: FindingTicketsService,
  ) {
    super(http, secrets, config);
  }

  /** The test ping: proves URL and credentials without touching a ticket. */
  protected abstract check(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Promise<null>;
  protected abstract tracker(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Tracker;

  protected send(
    subscription: WebhookSubscriptionEntity,
    credentials: IntegrationCredentials,
    envelope: WebhookEnvelope,
  ): Promise<string | null> {
    if (envelope.type === PING_EVENT_TYPE) return this.check(subscription, credentials);
    return this.ticket(subscription, envelope, this.tracker(subscription, credentials));
  }

  private async ticket(subscription: WebhookSubscriptionEntity, envelope: WebhookEnvelope, tracker: Tracker): Promise<string | null> {
    const findingId = String(envelope.data.findingId ?? '');
    const finding = envelope.data.finding as Finding | undefined;
    if (!findingId || !finding) return `${envelope.type} carries no finding`;
    const context = this.context(findingId);
    const existing = await this.tickets.find(findingId, subscription.id);
    const type = envelope.type as FindingEventType;

    if (type === DomainEventType.FindingResolved) {
      const ref = existing ?? (await tracker.find(finding));
      if (!ref) return 'no ticket to resolve';
      await tracker.resolve(ref, finding, context);
      await this.tickets.record(findingId, subscription.id, tracker.system, ref, 'resolved');
      return null;
    }
    const opened = existing ? null : await tracker.open(finding, context);
    const ref = existing ?? opened!;
    // A ticket created just now already describes the recurrence; an older one gets a comment.
    if (type === DomainEventType.FindingReopened && !opened?.created) {
      await tracker.recur(ref, finding, context, existing?.state === 'resolved');
    }
    await this.tickets.record(findingId, subscription.id, tracker.system, ref, 'open');
    return null;
  }
}

/** A Jira issue per finding. */
@Injectable()
export class JiraChannel extends TicketChannel<'jira'> {
  readonly format = 'jira';

  destination(config: UpdateWebhookDto, _creating: boolean, errors: FieldError[]): ResolvedDestination | null {
    const jira = config.jira;
    if (!jira) {
      errors.push(requiredFor(this.format, 'jira'));
      return null;
    }
    if (!jira.issueType && !jira.issueTypeId) errors.push(requiredFor(this.format, 'jira.issueType'));
    return {
      url: jira.baseUrl,
      urlField: 'jira.baseUrl',
      settings: {
        jira: {
          email: jira.email,
          projectKey: jira.projectKey,
          issueType: jira.issueTypeId ? { id: jira.issueTypeId } : { name: jira.issueType ?? '' },
          ...(jira.labels ? { labels: jira.labels } : {}),
          ...(jira.resolveTransitionId ? { resolveTransitionId: jira.resolveTransitionId } : {}),
        },
      },
      credentials: { jiraApiToken: jira.apiToken },
    };
  }

  protected tracker(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Tracker {
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

  /** Who the token belongs to, which proves URL and credentials. */
  protected async check(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Promise<null> {
    const jira = subscription.settings.jira;
    if (!jira || !credentials.jiraApiToken) throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'Jira settings or API token missing');
    await sendJson(this.http.client, 'Jira', {
      method: 'GET',
      url: `${trimBaseUrl(subscription.url)}/rest/api/3/myself`,
      headers: { authorization: basicAuth(jira.email, credentials.jiraApiToken) },
    });
    return null;
  }
}

/** A ServiceNow incident per finding. */
@Injectable()
export class ServiceNowChannel extends TicketChannel<'servicenow'> {
  readonly format = 'servicenow';

  destination(config: UpdateWebhookDto, _creating: boolean, errors: FieldError[]): ResolvedDestination | null {
    const sn = config.servicenow;
    if (!sn) {
      errors.push(requiredFor(this.format, 'servicenow'));
      return null;
    }
    if (!sn.token && !(sn.username && sn.password)) {
      errors.push({ field: 'servicenow', message: 'servicenow needs a token, or a username and a password' });
    }
    return {
      url: sn.instanceUrl,
      urlField: 'servicenow.instanceUrl',
      settings: {
        servicenow: { username: sn.token ? undefined : sn.username, assignmentGroup: sn.assignmentGroup, category: sn.category },
      },
      credentials: sn.token ? { servicenowToken: sn.token } : { servicenowPassword: sn.password },
    };
  }

  protected tracker(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Tracker {
    const settings = subscription.settings.servicenow ?? {};
    const client = new ServiceNowClient(
      this.http.client,
      { instanceUrl: subscription.url, credentials: serviceNowCredentials(settings.username, credentials) },
      { assignmentGroup: settings.assignmentGroup, category: settings.category },
    );
    const ref = (incident: { sysId: string; number: string; url: string }): TicketRef => ({
      externalId: incident.sysId,
      key: incident.number,
      url: incident.url,
    });
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

  /** Read one incident with the stored credentials. */
  protected async check(subscription: WebhookSubscriptionEntity, credentials: IntegrationCredentials): Promise<null> {
    const auth = serviceNowCredentials(subscription.settings.servicenow?.username, credentials);
    await sendJson(this.http.client, 'ServiceNow', {
      method: 'GET',
      url: `${trimBaseUrl(subscription.url)}/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id`,
      headers: { authorization: auth.kind === 'basic' ? basicAuth(auth.username, auth.password) : `Bearer ${auth.token}` },
    });
    return null;
  }
}

/** A Slack message per event, through an incoming webhook. */
@Injectable()
export class SlackChannel extends IntegrationChannel<'slack'> {
  readonly format = 'slack';

  destination(config: UpdateWebhookDto, _creating: boolean, errors: FieldError[]): ResolvedDestination | null {
    if (!config.slack) {
      errors.push(requiredFor(this.format, 'slack'));
      return null;
    }
    return {
      url: originOf(config.slack.webhookUrl, 'slack.webhookUrl', errors),
      urlField: 'slack.webhookUrl',
      contactUrl: config.slack.webhookUrl,
      settings: {},
      credentials: { slackWebhookUrl: config.slack.webhookUrl },
    };
  }

  protected async send(
    _subscription: WebhookSubscriptionEntity,
    credentials: IntegrationCredentials,
    envelope: WebhookEnvelope,
  ): Promise<null> {
    if (!credentials.slackWebhookUrl) throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'Slack webhook URL missing');
    await new SlackWebhookClient(this.http.client, credentials.slackWebhookUrl).post(this.message(envelope));
    return null;
  }

  private message(envelope: WebhookEnvelope): SlackMessage {
    const finding = envelope.data.finding as Finding | undefined;
    const findingId = typeof envelope.data.findingId === 'string' ? envelope.data.findingId : undefined;
    if (finding && findingId && envelope.type.startsWith('finding.')) {
      return buildSlackMessage(envelope.type as FindingEventType, finding, this.context(findingId));
    }
    const text = summaryLine(envelope, this.publicUrl);
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
}

function serviceNowCredentials(username: string | undefined, credentials: IntegrationCredentials) {
  if (credentials.servicenowToken) return { kind: 'bearer' as const, token: credentials.servicenowToken };
  if (username && credentials.servicenowPassword) return { kind: 'basic' as const, username, password: credentials.servicenowPassword };
  throw new IntegrationError('INTEGRATION.INVALID_INPUT', 'ServiceNow credentials missing');
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
