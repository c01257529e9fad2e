import { afterEach, describe, expect, it } from 'vitest';
import {
  buildIncidentBody,
  buildRecurrenceUpdate,
  buildResolveUpdate,
} from '../../../src/integrations/servicenow/servicenow-incident.builder';
import { ServiceNowClient } from '../../../src/integrations/servicenow/servicenow.client';
import { RecordingServer, Reply } from '../../support/http/recording-server';
import { sampleFinding } from '../../support/factories/sample-finding';

describe('ServiceNow incident payload', () => {
  it('sets correlation_id to the fingerprint and maps severity to urgency and impact', () => {
    const body = buildIncidentBody(
      sampleFinding(),
      { assignmentGroup: 'network-ops', subcategory: 'firewall' },
      { findingUrl: 'https://sgd.example.com/f/1' },
    );
    expect(body).toMatchObject({
      short_description: 'sgdoctor: tcp/8080 ingress blocked by security group sg-0web000000000000a (ingress)',
      correlation_id: '3f6c1e0a9b2d4c7e',
      correlation_display: 'sgdoctor',
      category: 'network',
      subcategory: 'firewall',
      assignment_group: 'network-ops',
      urgency: '1',
      impact: '2',
    });
    expect(body.description).toContain('Blocked by: security group sg-0web000000000000a (ingress)');
    expect(body.description).toContain('10.1.0.12: 11 records');
    expect(body.description).toContain('aws ec2 authorize-security-group-ingress');
    expect(body.description).toContain('Details: https://sgd.example.com/f/1');
    expect(buildIncidentBody(sampleFinding({ severity: 'critical' }))).toMatchObject({ urgency: '1', impact: '1' });
    expect(buildIncidentBody(sampleFinding({ severity: 'low' }))).toMatchObject({ urgency: '3', impact: '3' });
  });

  it('builds recurrence and resolve updates', () => {
    expect(buildRecurrenceUpdate(sampleFinding(), false)).toEqual({ work_notes: expect.stringContaining('recurred: 15 records') });
    expect(buildRecurrenceUpdate(sampleFinding(), true)).toMatchObject({ state: '2' });
    expect(buildResolveUpdate(sampleFinding(), { closeCode: 'Solution provided' })).toMatchObject({
      state: '6',
      close_code: 'Solution provided',
      close_notes: expect.stringContaining('3f6c1e0a9b2d4c7e'),
    });
  });
});

describe('ServiceNowClient against a local server', () => {
  let server: RecordingServer;
  afterEach(() => server?.stop());

  async function start(route: (r: { method: string; url: string }) => Reply, bearer = false): Promise<ServiceNowClient> {
    server = new RecordingServer(route);
    await server.start();
    return new ServiceNowClient(server.client(), {
      instanceUrl: server.baseUrl,
      credentials: bearer ? { kind: 'bearer', token: 'tkn' } : { kind: 'basic', username: 'svc', password: 'pw' },
    });
  }

  it('looks up by correlation_id, then creates', async () => {
    const client = await start((r) =>
      r.method === 'GET'
        ? { status: 200, body: { result: [] } }
        : { status: 201, body: { result: { sys_id: 'abc123', number: 'INC0010001', state: '1' } } },
    );
    const ref = await client.openIncident(sampleFinding());
    expect(ref).toMatchObject({ sysId: 'abc123', number: 'INC0010001', created: true });
    expect(ref.url).toBe(`${server.baseUrl}/nav_to.do?uri=incident.do%3Fsys_id%3Dabc123`);
    const [lookup, create] = server.requests;
    const query = new URL(lookup!.url, server.baseUrl).searchParams;
    expect(lookup!.method).toBe('GET');
    expect(new URL(lookup!.url, server.baseUrl).pathname).toBe('/api/now/table/incident');
    expect(query.get('sysparm_query')).toBe('correlation_id=3f6c1e0a9b2d4c7e^ORDERBYDESCsys_created_on');
    expect(query.get('sysparm_limit')).toBe('1');
    expect(create!.method).toBe('POST');
    expect(JSON.parse(create!.body).correlation_id).toBe('3f6c1e0a9b2d4c7e');
    expect(create!.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`);
  });

  it('returns the existing incident without creating another', async () => {
    const client = await start(() => ({ status: 200, body: { result: [{ sys_id: 'old', number: 'INC9', state: '6' }] } }), true);
    expect(await client.openIncident(sampleFinding())).toMatchObject({ sysId: 'old', state: '6', created: false });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer tkn');
  });

  it('patches work notes on recurrence and state on resolve', async () => {
    const client = await start(() => ({ status: 200, body: { result: { sys_id: 'abc', number: 'INC1' } } }));
    await client.recordRecurrence('abc', sampleFinding(), true);
    await client.resolve('abc', sampleFinding());
    expect(server.requests.map((r) => `${r.method} ${new URL(r.url, server.baseUrl).pathname}`)).toEqual([
      'PATCH /api/now/table/incident/abc',
      'PATCH /api/now/table/incident/abc',
    ]);
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ state: '2', work_notes: expect.any(String) });
    expect(JSON.parse(server.requests[1]!.body)).toMatchObject({ state: '6', close_code: 'Resolved by change' });
  });

  it('refuses a correlation id that could alter the encoded query', async () => {
    const client = await start(() => ({ status: 200, body: { result: [] } }));
    await expect(client.findByCorrelationId('x^active=true')).rejects.toThrow(/query-safe/);
    expect(server.requests).toHaveLength(0);
  });
});
