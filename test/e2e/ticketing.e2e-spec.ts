import { Client } from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEventType } from '../../src/events/domain-event';
import { sampleFinding } from '../support/factories/sample-finding';
import { emitEvent, findingEventData, insertTargetAndFinding } from '../support/factories/domain-events';
import { ADMIN_KEY, dropResources, startApi, type RunningApi } from '../support/app/integration-app';
import type { DeliveryView } from '../support/factories/delivery-view';
import { WebhookReceiver, type ReceivedRequest, type ReceiverReply } from '../support/http/webhook-receiver';
import { until } from '../support/app/until';

const json = (request: ReceivedRequest) => JSON.parse(request.body.toString('utf8'));

/** Jira Cloud as far as sgdoctor uses it: JQL search by label, create, comment, transition. */
function fakeJira(existing: Array<{ id: string; key: string; labels: string[] }> = []): (request: ReceivedRequest) => ReceiverReply {
  const issues = [...existing];
  return (req) => {
    if (req.method === 'POST' && req.path === '/rest/api/3/search/jql') {
      const label = /labels = "([^"]+)"/.exec(json(req).jql)?.[1];
      return { status: 200, body: { issues: issues.filter((i) => label && i.labels.includes(label)).map(({ id, key }) => ({ id, key })) } };
    }
    if (req.method === 'POST' && req.path === '/rest/api/3/issue') {
      const issue = { id: String(10_000 + issues.length), key: `NET-${issues.length + 1}`, labels: json(req).fields.labels as string[] };
      issues.push(issue);
      return { status: 201, body: { id: issue.id, key: issue.key, self: `/rest/api/3/issue/${issue.id}` } };
    }
    if (req.method === 'POST' && /^\/rest\/api\/3\/issue\/NET-\d+\/comment$/.test(req.path)) return { status: 201, body: { id: '1' } };
    if (req.method === 'POST' && /^\/rest\/api\/3\/issue\/NET-\d+\/transitions$/.test(req.path)) return { status: 204 };
    if (req.method === 'GET' && req.path === '/rest/api/3/myself') return { status: 200, body: { accountId: 'abc' } };
    return { status: 404, body: { errorMessages: ['not found'] } };
  };
}

/** The ServiceNow Table API on incident: query by correlation_id, create, patch. */
function fakeServiceNow(): (request: ReceivedRequest) => ReceiverReply {
  const incidents: Array<{ sys_id: string; number: string; state: string; correlation_id: string }> = [];
  return (req) => {
    const url = new URL(req.path, 'http://sn.local');
    if (req.method === 'GET' && url.pathname === '/api/now/table/incident') {
      const correlation = /correlation_id=([^^]+)/.exec(url.searchParams.get('sysparm_query') ?? '')?.[1];
      return { status: 200, body: { result: incidents.filter((i) => i.correlation_id === correlation) } };
    }
    if (req.method === 'POST' && url.pathname === '/api/now/table/incident') {
      const incident = {
        sys_id: `sys${incidents.length + 1}`,
        number: `INC00100${incidents.length + 1}`,
        state: '1',
        correlation_id: json(req).correlation_id,
      };
      incidents.push(incident);
      return { status: 201, body: { result: incident } };
    }
    const patch = /^\/api\/now\/table\/incident\/(sys\d+)$/.exec(url.pathname);
    if (req.method === 'PATCH' && patch) {
      const incident = incidents.find((i) => i.sys_id === patch[1]);
      if (!incident) return { status: 404, body: {} };
      if (json(req).state) incident.state = json(req).state;
      return { status: 200, body: { result: incident } };
    }
    return { status: 404, body: {} };
  };
}

describe('ticketing: Jira, ServiceNow and Slack deliveries, one ticket per finding', () => {
  let api: RunningApi;
  const finding = sampleFinding();
  const servers: WebhookReceiver[] = [];
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${ADMIN_KEY}`);
  const http = {
    get: (path: string) => auth(request(api.app.getHttpServer()).get(path)),
    post: (path: string, body?: object) => auth(request(api.app.getHttpServer()).post(path)).send(body ?? {}),
  };

  async function server(behaviour: (request: ReceivedRequest) => ReceiverReply): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start(behaviour);
    servers.push(started);
    return started;
  }

  async function emit(type: DomainEventType, ids: { targetId: string; findingId: string }): Promise<string> {
    const { subject, data } = findingEventData(ids.targetId, ids.findingId, finding);
    return emitEvent(api.app, type, subject, data);
  }

  async function settledDeliveries(subscriptionId: string, count: number): Promise<DeliveryView[]> {
    return until(
      async () => (await http.get(`/v1/webhooks/${subscriptionId}/deliveries`)).body.items as DeliveryView[],
      (items) => items.length === count && items.every((d) => d.status !== 'pending'),
    );
  }

  beforeAll(async () => {
    api = await startApi({ env: { SGDOCTOR_PUBLIC_URL: 'https://sgdoctor.example.com' } });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await api?.close();
    if (api) await dropResources(api.resources);
  });

  it('Jira: one issue per finding (label searched before creating, key stored), comment on recurrence, comment and transition on resolve', async () => {
    const ids = await insertTargetAndFinding(api.config.database.url, finding);
    const jira = await server(fakeJira());
    const created = await http.post('/v1/webhooks', {
      format: 'jira',
      events: ['finding.opened', 'finding.reopened', 'finding.resolved'],
      filters: { targetIds: [ids.targetId] },
      jira: {
        baseUrl: jira.url(),
        email: 'bot@example.com',
        apiToken: 'jira-token-secret',
        projectKey: 'NET',
        issueType: 'Task',
        labels: ['network'],
        resolveTransitionId: '31',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.secret).toBeUndefined();
    expect(JSON.stringify(created.body)).not.toContain('jira-token-secret');
    expect(created.body.settings).toMatchObject({ projectKey: 'NET', email: 'bot@example.com' });
    const id: string = created.body.id;

    await emit(DomainEventType.FindingOpened, ids);
    await settledDeliveries(id, 1);
    await emit(DomainEventType.FindingOpened, ids);
    await settledDeliveries(id, 2);

    const creates = jira.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue');
    expect(creates).toHaveLength(1);
    const issue = json(creates[0]!);
    expect(creates[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bot@example.com:jira-token-secret').toString('base64')}`);
    expect(issue.fields).toMatchObject({ project: { key: 'NET' }, issuetype: { name: 'Task' } });
    expect(issue.fields.labels).toEqual(expect.arrayContaining(['sgdoctor', `sgdoctor-${finding.fingerprint}`, 'network']));
    expect(issue.fields.description).toMatchObject({ type: 'doc', version: 1 });
    expect(JSON.stringify(issue.fields.description)).toContain(`https://sgdoctor.example.com/v1/findings/${ids.findingId}`);

    const tickets = await http.get(`/v1/findings/${ids.findingId}/tickets`);
    expect(tickets.status).toBe(200);
    expect(tickets.body).toEqual([
      expect.objectContaining({
        subscriptionId: id,
        system: 'jira',
        key: 'NET-1',
        url: `${jira.url().replace(/\/$/, '')}/browse/NET-1`,
        state: 'open',
      }),
    ]);
    // The finding's detail carries its tickets too.
    const detail = await http.get(`/v1/findings/${ids.findingId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.tickets).toEqual([
      expect.objectContaining({ system: 'jira', key: 'NET-1', url: `${jira.url().replace(/\/$/, '')}/browse/NET-1`, state: 'open' }),
    ]);
    // …exactly as the finding's tickets route lists them (read in the detail's own statement).
    expect(detail.body.tickets).toEqual(tickets.body);

    await emit(DomainEventType.FindingReopened, ids);
    await settledDeliveries(id, 3);
    expect(jira.requests.filter((r) => r.path === '/rest/api/3/issue/NET-1/comment')).toHaveLength(1);

    await emit(DomainEventType.FindingResolved, ids);
    const deliveries = await settledDeliveries(id, 4);
    expect(deliveries.every((d) => d.status === 'succeeded')).toBe(true);
    expect(jira.requests.filter((r) => r.path === '/rest/api/3/issue/NET-1/comment')).toHaveLength(2);
    const transition = jira.requests.find((r) => r.path === '/rest/api/3/issue/NET-1/transitions')!;
    expect(json(transition)).toEqual({ transition: { id: '31' } });
    expect((await http.get(`/v1/findings/${ids.findingId}/tickets`)).body[0].state).toBe('resolved');
    expect((await http.get(`/v1/findings/${ids.findingId}`)).body.tickets).toEqual([
      expect.objectContaining({ key: 'NET-1', state: 'resolved' }),
    ]);
    expect(jira.requests.filter((r) => r.path === '/rest/api/3/issue')).toHaveLength(1);

    const db = new Client({ connectionString: api.config.database.url });
    await db.connect();
    try {
      const row = await db.query('SELECT credentials_encrypted, settings FROM webhook_subscriptions WHERE id = $1', [id]);
      expect(row.rows[0].credentials_encrypted).toMatch(/^v1:/);
      expect(JSON.stringify(row.rows[0])).not.toContain('jira-token-secret');
    } finally {
      await db.end();
    }

    const ping = await http.post(`/v1/webhooks/${id}/test`);
    expect(ping.status).toBe(202);
    await until(async () => jira.requests.some((r) => r.path === '/rest/api/3/myself'), Boolean);
  });

  it('Jira: an issue already carrying the fingerprint label (created by an attempt that died before storing it) is reused', async () => {
    const ids = await insertTargetAndFinding(api.config.database.url, finding);
    const jira = await server(fakeJira([{ id: '20001', key: 'OPS-7', labels: ['sgdoctor', `sgdoctor-${finding.fingerprint}`] }]));
    const created = await http.post('/v1/webhooks', {
      format: 'jira',
      events: ['finding.opened'],
      filters: { targetIds: [ids.targetId] },
      jira: { baseUrl: jira.url(), email: 'bot@example.com', apiToken: 't', projectKey: 'OPS', issueType: 'Task' },
    });
    expect(created.status).toBe(201);
    await emit(DomainEventType.FindingOpened, ids);
    const [delivery] = await settledDeliveries(created.body.id, 1);
    expect(delivery!.status).toBe('succeeded');
    const search = jira.requests.find((r) => r.path === '/rest/api/3/search/jql')!;
    expect(json(search).jql).toBe(`project = "OPS" AND labels = "sgdoctor-${finding.fingerprint}" ORDER BY created DESC`);
    expect(jira.requests.filter((r) => r.path === '/rest/api/3/issue')).toHaveLength(0);
    expect((await http.get(`/v1/findings/${ids.findingId}/tickets`)).body).toEqual([
      expect.objectContaining({ key: 'OPS-7', system: 'jira' }),
    ]);
  });

  it('ServiceNow: incident with correlation_id = fingerprint, work notes on recurrence, resolved state', async () => {
    const ids = await insertTargetAndFinding(api.config.database.url, finding);
    const sn = await server(fakeServiceNow());
    const created = await http.post('/v1/webhooks', {
      format: 'servicenow',
      events: ['finding.opened', 'finding.reopened', 'finding.resolved'],
      filters: { targetIds: [ids.targetId] },
      servicenow: { instanceUrl: sn.url(), username: 'svc', password: 'sn-password-secret', assignmentGroup: 'network-team' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('sn-password-secret');
    const id: string = created.body.id;

    await emit(DomainEventType.FindingOpened, ids);
    await settledDeliveries(id, 1);
    await emit(DomainEventType.FindingReopened, ids);
    await settledDeliveries(id, 2);
    await emit(DomainEventType.FindingResolved, ids);
    const deliveries = await settledDeliveries(id, 3);
    expect(deliveries.every((d) => d.status === 'succeeded')).toBe(true);

    const posts = sn.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.headers.authorization).toBe(`Basic ${Buffer.from('svc:sn-password-secret').toString('base64')}`);
    expect(json(posts[0]!)).toMatchObject({
      correlation_id: finding.fingerprint,
      assignment_group: 'network-team',
      urgency: '1',
      impact: '2',
    });
    const patches = sn.requests.filter((r) => r.method === 'PATCH').map(json);
    expect(patches[0]).toMatchObject({ work_notes: expect.stringContaining('recurred') });
    expect(patches[1]).toMatchObject({ state: '6', close_code: expect.any(String) });
    const tickets = await http.get(`/v1/findings/${ids.findingId}/tickets`);
    expect(tickets.body).toEqual([expect.objectContaining({ system: 'servicenow', key: 'INC001001', state: 'resolved' })]);
  });

  it('Slack: a Block Kit message to the incoming webhook, whose URL is kept secret', async () => {
    const ids = await insertTargetAndFinding(api.config.database.url, finding);
    const slack = await server(() => ({ status: 200, body: 'ok' }));
    const webhookUrl = slack.url('/services/T000/B000/slack-url-secret');
    const created = await http.post('/v1/webhooks', {
      format: 'slack',
      events: ['finding.opened'],
      filters: { targetIds: [ids.targetId] },
      slack: { webhookUrl },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.url).toBe(new URL(webhookUrl).origin);
    expect(JSON.stringify((await http.get(`/v1/webhooks/${created.body.id}`)).body)).not.toContain('slack-url-secret');

    await emit(DomainEventType.FindingOpened, ids);
    await settledDeliveries(created.body.id, 1);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.path).toBe('/services/T000/B000/slack-url-secret');
    const message = json(slack.requests[0]!);
    expect(message.text).toMatch(/^New finding: tcp\/8080/);
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
    // A chat message is no ticket: the finding's detail lists none.
    expect((await http.get(`/v1/findings/${ids.findingId}`)).body.tickets).toEqual([]);
  });

  it('a 4xx from the ticketing API fails the delivery without retry; a 5xx is retried', async () => {
    const ids = await insertTargetAndFinding(api.config.database.url, finding);
    let calls = 0;
    const jira = await server((req) => {
      calls += 1;
      if (req.path === '/rest/api/3/search/jql')
        return calls <= 1 ? { status: 503, body: {} } : { status: 400, body: { errorMessages: ['bad jql'] } };
      return { status: 500, body: {} };
    });
    const created = await http.post('/v1/webhooks', {
      format: 'jira',
      events: ['finding.opened'],
      filters: { targetIds: [ids.targetId] },
      jira: { baseUrl: jira.url(), email: 'bot@example.com', apiToken: 't', projectKey: 'NET', issueTypeId: '10002' },
    });
    expect(created.status).toBe(201);
    await emit(DomainEventType.FindingOpened, ids);
    const [delivery] = await settledDeliveries(created.body.id, 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: 400 });
    expect(delivery!.lastError).toMatch(/Jira answered 400/);
  });
});
