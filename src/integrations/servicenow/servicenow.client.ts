import { z } from 'zod';
import type { Finding } from '../../engine/findings/finding';
import type { HttpMethod, SafeHttpClient } from '../../outbound-http/safe-http-client';
import { basicAuth, parseJson, sendJson, trimBaseUrl } from '../shared/json-http.util';
import type { TicketContext } from '../jira/jira-issue.builder';
import { buildIncidentBody, buildRecurrenceUpdate, buildResolveUpdate, ServiceNowIncidentConfig } from './servicenow-incident.builder';

export type ServiceNowCredentials = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface ServiceNowConnection {
  /** `https://your-instance.service-now.com` */
  instanceUrl: string;
  credentials: ServiceNowCredentials;
}

export interface ServiceNowIncidentRef {
  sysId: string;
  number: string;
  state: string | null;
  url: string;
}

const incidentSchema = z.object({ sys_id: z.string(), number: z.string(), state: z.string().optional() });
const oneSchema = z.object({ result: incidentSchema });
const listSchema = z.object({ result: z.array(incidentSchema) });

const SYSTEM = 'ServiceNow';
const FIELDS = 'sys_id,number,state';

/** ServiceNow Table API on `incident`, deduplicated by `correlation_id` = fingerprint. */
export class ServiceNowClient {
  private readonly baseUrl: string;
  private readonly authorization: string;

  constructor(
    private readonly http: SafeHttpClient,
    connection: ServiceNowConnection,
    private readonly config: ServiceNowIncidentConfig = {},
  ) {
    this.baseUrl = trimBaseUrl(connection.instanceUrl);
    const c = connection.credentials;
    this.authorization = c.kind === 'basic' ? basicAuth(c.username, c.password) : `Bearer ${c.token}`;
  }

  async openIncident(finding: Finding, context: TicketContext = {}): Promise<ServiceNowIncidentRef & { created: boolean }> {
    const existing = await this.findByCorrelationId(finding.fingerprint);
    if (existing) return { ...existing, created: false };
    const response = await this.send(
      'POST',
      `/api/now/table/incident?sysparm_fields=${FIELDS}`,
      buildIncidentBody(finding, this.config, context),
    );
    return { ...this.ref(parseJson(SYSTEM, response, oneSchema).result), created: true };
  }

  async findByCorrelationId(correlationId: string): Promise<ServiceNowIncidentRef | null> {
    // Encoded queries use ^ and = as syntax: only plain fingerprints may be interpolated.
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(correlationId)) throw new Error('correlation_id is not query-safe');
    const query = `correlation_id=${correlationId}^ORDERBYDESCsys_created_on`;
    const params = new URLSearchParams({ sysparm_query: query, sysparm_limit: '1', sysparm_fields: FIELDS });
    const response = await this.send('GET', `/api/now/table/incident?${params.toString()}`);
    const [first] = parseJson(SYSTEM, response, listSchema).result;
    return first ? this.ref(first) : null;
  }

  async recordRecurrence(sysId: string, finding: Finding, reopen: boolean): Promise<void> {
    await this.patch(sysId, buildRecurrenceUpdate(finding, reopen, this.config));
  }

  async resolve(sysId: string, finding: Finding): Promise<void> {
    await this.patch(sysId, buildResolveUpdate(finding, this.config));
  }

  private async patch(sysId: string, body: Record<string, string>): Promise<void> {
    await this.send('PATCH', `/api/now/table/incident/${encodeURIComponent(sysId)}?sysparm_fields=${FIELDS}`, body);
  }

  private ref(incident: z.infer<typeof incidentSchema>): ServiceNowIncidentRef {
    return {
      sysId: incident.sys_id,
      number: incident.number,
      state: incident.state ?? null,
      url: `${this.baseUrl}/nav_to.do?uri=${encodeURIComponent(`incident.do?sys_id=${incident.sys_id}`)}`,
    };
  }

  private send(method: HttpMethod, path: string, body?: unknown) {
    return sendJson(this.http, SYSTEM, { method, url: this.baseUrl + path, headers: { authorization: this.authorization }, body });
  }
}
