import { afterEach, describe, expect, it } from 'vitest';
import type { AdfDocument, AdfNode } from '../../../src/integrations/jira/adf';
import {
  buildCreateIssueBody,
  buildFindingDescription,
  fingerprintJql,
  fingerprintLabel,
} from '../../../src/integrations/jira/jira-issue.builder';
import { JiraClient } from '../../../src/integrations/jira/jira.client';
import { IntegrationError } from '../../../src/outbound-http/integration.errors';
import { SafeHttpClient } from '../../../src/outbound-http/safe-http-client';
import { SsrfGuard } from '../../../src/outbound-http/ssrf-guard';
import { RecordingServer, Reply } from '../../support/http/recording-server';
import { naclFinding, sampleFinding } from '../../support/factories/sample-finding';

const project = { projectKey: 'NET', issueType: { id: '10004' }, labels: ['network'], priorityBySeverity: { high: 'High' } };

function nodesOfType(node: AdfNode | AdfDocument, type: string): AdfNode[] {
  const found: AdfNode[] = node.type === type ? [node as AdfNode] : [];
  for (const child of node.content ?? []) found.push(...nodesOfType(child, type));
  return found;
}

function allText(node: AdfNode | AdfDocument): string {
  return nodesOfType(node, 'text')
    .map((t) => t.text)
    .join(' ');
}

/** Every text node in ADF must be non-empty; every node has a type. */
function assertWellFormed(node: AdfNode | AdfDocument): void {
  expect(typeof node.type).toBe('string');
  if (node.type === 'text') expect((node as AdfNode).text).not.toBe('');
  for (const child of node.content ?? []) assertWellFormed(child);
}

describe('Jira issue payload', () => {
  it('has project, issue type, summary, labels and priority', () => {
    const body = buildCreateIssueBody(sampleFinding(), project, { targetLabel: 'prod 123456789012/eu-west-1' });
    expect(body.fields.project).toEqual({ key: 'NET' });
    expect(body.fields.issuetype).toEqual({ id: '10004' });
    expect(body.fields.summary).toBe(
      '[sgdoctor] tcp/8080 ingress blocked by security group sg-0web000000000000a (ingress) in prod 123456789012/eu-west-1',
    );
    expect(body.fields.labels).toEqual(['sgdoctor', 'sgdoctor-3f6c1e0a9b2d4c7e', 'network']);
    expect(body.fields.priority).toEqual({ name: 'High' });
    expect(buildCreateIssueBody(sampleFinding({ severity: 'low' }), project).fields.priority).toBeUndefined();
  });

  it('describes the evidence and the fix in ADF', () => {
    const description = buildFindingDescription(sampleFinding(), { findingUrl: 'https://sgdoctor.example.com/v1/findings/42' });
    expect(description).toMatchObject({ type: 'doc', version: 1 });
    assertWellFormed(description);
    const headings = nodesOfType(description, 'heading').map(allText);
    expect(headings).toEqual(['Blocking control', 'Traffic', 'Top peers', 'Suggested fix', 'AWS CLI', 'Terraform', 'Risks']);

    const [peers] = nodesOfType(description, 'table');
    const rows = nodesOfType(peers!, 'tableRow').map((r) => r.content!.map(allText));
    expect(rows).toEqual([
      ['Peer', 'Interface', 'Security groups', 'Records'],
      ['10.1.0.12', '—', '—', '11'],
      ['10.1.0.9', 'eni-0wrk0000000000001', 'sg-0wrk000000000000b', '4'],
    ]);
    expect(nodesOfType(peers!, 'tableHeader')).toHaveLength(4);

    const blocks = nodesOfType(description, 'codeBlock');
    expect(blocks.map((b) => b.attrs?.language)).toEqual(['bash', 'hcl']);
    expect(allText(blocks[0]!)).toContain('aws ec2 authorize-security-group-ingress');
    expect(allText(blocks[1]!)).toContain('aws_vpc_security_group_ingress_rule');
    expect(allText(description)).toContain('Allow tcp 8080 from sg-0wrk000000000000b inbound on sg-0web000000000000a');
    expect(allText(description)).toContain('new-peers: Every instance');
    const links = nodesOfType(description, 'text').filter((t) => t.marks?.some((m) => m.type === 'link'));
    expect(links[0]!.marks![0]!.attrs!.href).toBe('https://sgdoctor.example.com/v1/findings/42');
  });

  it('describes a NACL block and noise without a fix', () => {
    const nacl = buildFindingDescription(naclFinding());
    expect(allText(nacl)).toContain('network ACL acl-0123456789abcdef0 rule 32767 (egress)');
    expect(allText(nacl)).toContain('Add outbound rule 90 on acl-0123456789abcdef0: allow tcp 32768-60999 to 10.1.0.0/24');
    const noise = buildFindingDescription(sampleFinding({ classification: 'likely-noise', suggestedFix: null }));
    assertWellFormed(noise);
    expect(nodesOfType(noise, 'codeBlock')).toHaveLength(0);
    expect(allText(noise)).toContain('No change is suggested');
  });

  it('truncates long summaries to Jira’s 255 characters', () => {
    const body = buildCreateIssueBody(sampleFinding(), project, { targetLabel: 'x'.repeat(400) });
    expect(body.fields.summary).toHaveLength(255);
  });

  it('builds a safe JQL search on the fingerprint label', () => {
    expect(fingerprintLabel('3f6c1e0a9b2d4c7e')).toBe('sgdoctor-3f6c1e0a9b2d4c7e');
    expect(fingerprintJql('NET', '3f6c1e0a9b2d4c7e')).toBe(
      'project = "NET" AND labels = "sgdoctor-3f6c1e0a9b2d4c7e" ORDER BY created DESC',
    );
    expect(() => fingerprintJql('NET', 'x" OR project != "NET')).toThrow();
    expect(() => fingerprintJql('NET" OR 1=1', 'abc')).toThrow();
  });
});

describe('JiraClient against a local server', () => {
  let server: RecordingServer;
  afterEach(() => server?.stop());

  async function start(route: (r: { method: string; url: string }) => Reply): Promise<JiraClient> {
    server = new RecordingServer(route);
    await server.start();
    return new JiraClient(
      server.client(),
      { baseUrl: `${server.baseUrl}/`, email: 'ops@example.com', apiToken: 'tok' },
      { ...project, resolveTransitionId: '31' },
    );
  }

  it('searches by label, creates when absent, and authenticates with email and token', async () => {
    const client = await start((r) =>
      r.url === '/rest/api/3/search/jql'
        ? { status: 200, body: { issues: [], isLast: true } }
        : { status: 201, body: { id: '10042', key: 'NET-42', self: 'x' } },
    );
    const ref = await client.openIssue(sampleFinding());
    expect(ref).toEqual({ id: '10042', key: 'NET-42', url: `${server.baseUrl}/browse/NET-42`, created: true });
    const [search, create] = server.requests;
    expect(search).toMatchObject({ method: 'POST', url: '/rest/api/3/search/jql' });
    expect(JSON.parse(search!.body)).toEqual({
      jql: fingerprintJql('NET', '3f6c1e0a9b2d4c7e'),
      fields: ['summary', 'status'],
      maxResults: 1,
    });
    expect(create).toMatchObject({ method: 'POST', url: '/rest/api/3/issue' });
    expect(JSON.parse(create!.body).fields.labels).toContain('sgdoctor-3f6c1e0a9b2d4c7e');
    expect(create!.headers.authorization).toBe(`Basic ${Buffer.from('ops@example.com:tok').toString('base64')}`);
    expect(create!.headers['content-type']).toBe('application/json');
  });

  it('reuses an existing issue instead of creating a duplicate', async () => {
    const client = await start(() => ({ status: 200, body: { issues: [{ id: '7', key: 'NET-7' }] } }));
    const ref = await client.openIssue(sampleFinding());
    expect(ref).toMatchObject({ key: 'NET-7', created: false });
    expect(server.requests.map((r) => r.url)).toEqual(['/rest/api/3/search/jql']);
  });

  it('comments on recurrence, and comments then transitions on resolve', async () => {
    const client = await start(() => ({ status: 204, body: '' }));
    await client.commentRecurrence('NET-7', sampleFinding());
    await client.resolve('NET-7', sampleFinding());
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /rest/api/3/issue/NET-7/comment',
      'POST /rest/api/3/issue/NET-7/comment',
      'POST /rest/api/3/issue/NET-7/transitions',
    ]);
    expect(JSON.parse(server.requests[0]!.body).body.type).toBe('doc');
    expect(JSON.parse(server.requests[2]!.body)).toEqual({ transition: { id: '31' } });
  });

  it('maps errors: 429/5xx retryable, 4xx not, unexpected shapes invalid', async () => {
    let status = 429;
    const client = await start(() =>
      status === 200 ? { status, body: { unexpected: true } } : { status, body: { errorMessages: ['nope'] } },
    );
    await expect(client.findIssue('abc')).rejects.toMatchObject({
      code: 'INTEGRATION.REMOTE_ERROR',
      retryable: true,
      details: { status: 429 },
    });
    status = 400;
    await expect(client.findIssue('abc')).rejects.toMatchObject({ retryable: false });
    status = 200;
    const create = client.openIssue(sampleFinding());
    await expect(create).rejects.toBeInstanceOf(IntegrationError);
    await expect(create).rejects.toMatchObject({ code: 'INTEGRATION.INVALID_RESPONSE' });
  });

  it('goes through the SSRF guard: a Jira URL on a private address is refused', async () => {
    const client = new JiraClient(new SafeHttpClient(new SsrfGuard()), { baseUrl: 'https://10.0.0.5', email: 'a', apiToken: 'b' }, project);
    await expect(client.findIssue('abc')).rejects.toMatchObject({ code: 'DELIVERY.SSRF_BLOCKED', reason: 'private' });
  });
});
