import {
  CreateNetworkInsightsPathCommand,
  DeleteNetworkInsightsAnalysisCommand,
  DeleteNetworkInsightsPathCommand,
  DescribeNetworkInsightsAnalysesCommand,
  EC2Client,
  StartNetworkInsightsAnalysisCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { FixedClock } from '../../src/common/clock/clock';
import { ConfirmationProcessor } from '../../src/confirmations/jobs/confirmation.processor';
import type { TestApp } from '../support/app/test-app';
import { until } from '../support/app/until';
import { allFindings, analyse, api, sampleTargetBody } from '../support/app/analysis-api';
import { createAwsTestApp } from '../support/app/aws-test-app';
import { analyzerResponses } from '../support/aws/reachability-analyzer-responses';

/** The samples' batch instance (source) and app instance (destination) on tcp/8443: the app groups lack the batch group. */
const BATCH = 'i-0b1a2c3d4e5f60041';
const BATCH_ENI = 'eni-0a10b1c2d3e4f5a41';
const APP = 'i-0b1a2c3d4e5f60011';
const APP_ENI = 'eni-0a10b1c2d3e4f5a11';
const APP_SGS = ['sg-0a1b2c3d4e5f60002', 'sg-0a1b2c3d4e5f60003'];
const APP_SUBNET = 'subnet-0e1a2b3c4d5e6f711';

const PATH_ID = 'nip-0b26f224f1d131fa8';
const ANALYSIS_ID = 'nia-02207aa13eb480c7a';

const aws = analyzerResponses(
  { accountId: '111122223333', region: 'eu-west-1' },
  { pathId: PATH_ID, analysisId: ANALYSIS_ID, createdAt: '2026-11-30T23:58:01.000Z' },
);
const { createdPath, started, running, reachable } = aws;
const blockedByAppGroups = aws.blocked({
  interfaceId: APP_ENI,
  securityGroupIds: APP_SGS,
  subnetId: APP_SUBNET,
  vpcId: 'vpc-0c1d2e3f4a5b6c701',
});
const failedAnalysis = aws.failed(APP_ENI);

describe('Reachability Analyzer confirmations through the EC2 client', () => {
  const ec2 = mockClient(EC2Client);
  // The last minutes of November (UTC): the budget's month turns over during the test.
  const clock = new FixedClock('2026-11-30T23:58:00Z');
  let testApp: TestApp;
  let targetId: string;
  const server = () => testApp.app.getHttpServer();
  const confirmPath = (body: Record<string, unknown>, id = targetId) => api(server()).post(`/v1/targets/${id}/paths/confirm`, body);
  const settled = (id: string) =>
    until(
      async () => (await api(server()).get(`/v1/confirmations/${id}`)).body,
      (body) => body.status === 'succeeded' || body.status === 'failed',
    );
  const batchToApp = { from: BATCH, to: APP, protocol: 'tcp', port: 8443 };

  beforeAll(async () => {
    testApp = await createAwsTestApp({
      env: {
        REACHABILITY_MONTHLY_BUDGET_USD: '0.40',
        REACHABILITY_POLL_INTERVAL_MS: '20',
        REACHABILITY_TIMEOUT_MS: '1000',
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      clock,
    });
    targetId = (await api(server()).post('/v1/targets', sampleTargetBody())).body.id;
    await analyse(server(), targetId);
  });

  beforeEach(() => {
    ec2.reset();
    ec2.on(CreateNetworkInsightsPathCommand).callsFake((input) => createdPath(input));
    ec2.on(StartNetworkInsightsAnalysisCommand).resolves(started);
    ec2.on(DeleteNetworkInsightsAnalysisCommand).resolves({ NetworkInsightsAnalysisId: ANALYSIS_ID });
    ec2.on(DeleteNetworkInsightsPathCommand).resolves({ NetworkInsightsPathId: PATH_ID });
  });

  afterAll(async () => {
    await testApp?.close();
    ec2.restore();
  });

  it("a path: 202 and queued, then running → succeeded with AWS's verdict, its explanations and sgdoctor's hops agreeing", async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolvesOnce(running).resolvesOnce(running).resolves(blockedByAppGroups);
    const created = await confirmPath(batchToApp);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.headers.location).toBe(`/v1/confirmations/${created.body.id}`);
    expect(created.body).toMatchObject({
      targetId,
      findingId: null,
      subject: 'path',
      status: 'queued',
      result: null,
      costUsd: 0,
      requestedAt: '2026-11-30T23:58:00.000Z',
      analyzerPath: { Source: BATCH_ENI, Destination: APP_ENI, Protocol: 'tcp', DestinationPort: 8443 },
      sgdoctor: { verdict: 'blocked', blockedBy: [{ control: 'security-group', direction: 'ingress', groupIds: APP_SGS }] },
    });

    const done = await settled(created.body.id);
    expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
    expect(done).toMatchObject({
      networkInsightsPathId: PATH_ID,
      networkInsightsAnalysisId: ANALYSIS_ID,
      costUsd: 0.1,
      cleanup: { deleted: true, error: null },
    });
    expect(done.result.networkPathFound).toBe(false);
    expect(done.result.explanations).toEqual([expect.objectContaining({ ExplanationCode: 'ENI_SG_RULES_MISMATCH', Direction: 'ingress' })]);
    expect(done.result.agree).toBe(true);
    const hops = done.result.hops as Array<Record<string, any>>;
    expect(hops.map((h) => `${h.hop} ${h.direction} ${h.sgdoctor} ${h.agree ? 'agree' : 'disagree'}`)).toEqual([
      'security-group egress allow agree',
      'network-acl egress allow agree',
      'route egress skipped agree',
      'network-acl ingress allow agree',
      'security-group ingress deny agree',
      ...hops.slice(5).map((h) => `${h.hop} ${h.direction} ${h.sgdoctor} agree`),
    ]);
    const blamed = hops[4];
    expect(blamed).toMatchObject({ component: APP_SGS.join(','), sgdoctorCode: 'ENI_SG_RULES_MISMATCH' });
    expect(blamed.sgdoctorExplanation).toEqual(expect.any(String));
    expect(blamed.analyzer).toEqual([
      expect.objectContaining({ ExplanationCode: 'ENI_SG_RULES_MISMATCH', NetworkInterface: expect.objectContaining({ Id: APP_ENI }) }),
    ]);

    // Asked once, polled until it left running, then deleted: analysis first, then the path.
    expect(ec2.commandCalls(CreateNetworkInsightsPathCommand)[0].args[0].input).toMatchObject({
      Source: BATCH_ENI,
      Destination: APP_ENI,
      Protocol: 'tcp',
      DestinationPort: 8443,
      ClientToken: `sgdoctor-${created.body.id}-0`,
    });
    expect(ec2.commandCalls(DescribeNetworkInsightsAnalysesCommand)).toHaveLength(3);
    expect(
      ec2
        .calls()
        .slice(-2)
        .map((c) => c.args[0].constructor.name),
    ).toEqual(['DeleteNetworkInsightsAnalysisCommand', 'DeleteNetworkInsightsPathCommand']);
  });

  it('a finding: its traffic as the path, and each hop where AWS disagrees marked so with both explanations', async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(reachable);
    const findings = await allFindings(server(), targetId);
    const batchToAppFinding = findings.find(
      (f) => f.port === 8443 && f.direction === 'ingress' && f.blockedBy.control === 'security-group',
    )!;
    const created = await api(server()).post(`/v1/findings/${batchToAppFinding.id}/confirm`, { peer: '10.20.30.11' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({
      subject: 'finding',
      findingId: batchToAppFinding.id,
      query: { from: BATCH_ENI, protocol: 6, port: 8443 },
    });

    const done = await settled(created.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ networkPathFound: true, explanations: [], agree: false });
    const disagreeing = (done.result.hops as Array<Record<string, any>>).filter((h) => !h.agree);
    expect(disagreeing).toEqual([
      expect.objectContaining({
        hop: 'security-group',
        direction: 'ingress',
        sgdoctor: 'deny',
        sgdoctorCode: 'ENI_SG_RULES_MISMATCH',
        analyzer: [],
        sgdoctorExplanation: expect.any(String),
      }),
    ]);
  });

  it('refuses what Reachability Analyzer cannot analyse (ICMP, IPv6, a source outside the snapshot) with 422 problem+json, unknown findings with 404', async () => {
    const findings = await allFindings(server(), targetId);
    const ipv6Ssh = findings.find((f) => f.port === 22 && f.classification === 'likely-misconfiguration')!;
    const refusals = [
      [await confirmPath({ from: BATCH, to: APP, protocol: 'icmp', port: 8 }), 'TCP and UDP only'],
      [await confirmPath({ from: '203.0.113.9', to: APP, protocol: 'tcp', port: 443 }), 'needs a source resource'],
      [await api(server()).post(`/v1/findings/${ipv6Ssh.id}/confirm`, {}), 'IPv4 only'],
    ] as const;
    for (const [refused, words] of refusals) {
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body.code).toBe('CONFIRMATION.UNSUPPORTED');
      expect(refused.body.detail).toContain(words);
    }
    const notHers = await api(server()).post(`/v1/findings/${findings[0].id}/confirm`, { peer: '192.0.2.99' });
    expect(notHers.status).toBe(422);
    const missing = await api(server()).post('/v1/findings/00000000-0000-4000-8000-000000000000/confirm', {});
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('FINDING.NOT_FOUND');
    expect((await api(server()).get('/v1/confirmations/00000000-0000-4000-8000-000000000000')).body.code).toBe('CONFIRMATION.NOT_FOUND');
    expect(ec2.commandCalls(CreateNetworkInsightsPathCommand)).toHaveLength(0);
  });

  it("a failed analysis: failed with AWS's StatusMessage, still billed, the path still deleted", async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolvesOnce(running).resolves(failedAnalysis);
    const created = await confirmPath(batchToApp);
    expect(created.status).toBe(202);
    const done = await settled(created.body.id);
    expect(done).toMatchObject({
      status: 'failed',
      result: null,
      costUsd: 0.1,
      failure: { code: 'ANALYZER.FAILED', reason: `The request failed due to missing component ${APP_ENI}` },
      cleanup: { deleted: true },
    });
    expect(ec2.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);
  });

  it('an analysis still running at REACHABILITY_TIMEOUT_MS: failed as timed out, billed, analysis and path deleted', async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(running);
    const created = await confirmPath(batchToApp);
    expect(created.status).toBe(202);
    // While AWS runs it: running, with the analysis it started (and is billing) named.
    const inFlight = await until(
      async () => (await api(server()).get(`/v1/confirmations/${created.body.id}`)).body,
      (b) => b.networkInsightsAnalysisId !== null,
    );
    expect(inFlight).toMatchObject({
      status: 'running',
      networkInsightsPathId: PATH_ID,
      networkInsightsAnalysisId: ANALYSIS_ID,
      costUsd: 0.1,
      result: null,
    });
    expect(inFlight.startedAt).toBe('2026-11-30T23:58:00.000Z');
    const done = await settled(created.body.id);
    expect(done).toMatchObject({ status: 'failed', costUsd: 0.1, failure: { code: 'ANALYZER.TIMED_OUT' }, cleanup: { deleted: true } });
    expect(done.failure.reason).toContain('still running');
    expect(ec2.commandCalls(DescribeNetworkInsightsAnalysesCommand).length).toBeGreaterThan(1);
    expect(ec2.commandCalls(DeleteNetworkInsightsAnalysisCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);
  });

  it('a finding asked again (at once or later) while its confirmation is pending: 200 with that one, not a second billed analysis', async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(running);
    const repeated = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-repeated' }))).body.id;
    await analyse(server(), repeated);
    const finding = (await allFindings(server(), repeated)).find(
      (f) => f.port === 8443 && f.direction === 'ingress' && f.blockedBy.control === 'security-group',
    )!;
    const confirm = () => api(server()).post(`/v1/findings/${finding.id}/confirm`, { peer: '10.20.30.11' });
    const answers = await Promise.all([confirm(), confirm(), confirm()]);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([200, 200, 202]);
    const id = answers.find((a) => a.status === 202)!.body.id as string;
    for (const answer of answers) {
      expect(answer.body.id).toBe(id);
      expect(answer.headers.location).toBe(`/v1/confirmations/${id}`);
    }
    const later = await confirm();
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ id, findingId: finding.id });
    // The database holds it too: a second pending row for the same finding and question is refused.
    const duplicate = testApp.app.get(DataSource).query(
      `INSERT INTO reachability_confirmations (target_id, finding_id, subject, status, query, analyzer_path, sgdoctor, requested_at)
         SELECT target_id, finding_id, subject, 'queued', query, analyzer_path, sgdoctor, requested_at FROM reachability_confirmations WHERE id = $1`,
      [id],
    );
    await expect(duplicate).rejects.toMatchObject({ driverError: { constraint: 'uq_reachability_confirmations_pending_question' } });
    expect(await settled(id)).toMatchObject({ status: 'failed', failure: { code: 'ANALYZER.TIMED_OUT' } });
    expect(ec2.commandCalls(CreateNetworkInsightsPathCommand)).toHaveLength(1);

    // Once it has its outcome, asking again is a new confirmation.
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(reachable);
    const again = await confirm();
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.id).not.toBe(id);
    expect((await settled(again.body.id)).status).toBe('succeeded');
  });

  it('a path question asked again while its confirmation is pending: 200 with that one, at once or later; another question or a finished one starts a new analysis', async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(running);
    const repeated = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-repeated-path' }))).body.id;
    const ask = (body: Record<string, unknown> = batchToApp) => confirmPath({ ...body, snapshot: 'fresh' }, repeated);
    const answers = await Promise.all([ask(), ask(), ask()]);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(answers.map((a) => a.body))).toEqual([200, 200, 202]);
    const first = answers.find((a) => a.status === 202)!.body;
    // A repeat answered after the worker took the analysis shows it running, its path and analysis
    // created and billed: everything but that progress is the same.
    const withoutProgress = ({
      status,
      startedAt,
      costUsd,
      networkInsightsPathId,
      networkInsightsAnalysisId,
      ...rest
    }: Record<string, unknown>) => {
      expect(status).toMatch(/^(queued|running)$/);
      expect(startedAt === null || typeof startedAt === 'string').toBe(true);
      expect([0, 0.1]).toContain(costUsd);
      expect(networkInsightsPathId === null || /^nip-/.test(String(networkInsightsPathId))).toBe(true);
      expect(networkInsightsAnalysisId === null || /^nia-/.test(String(networkInsightsAnalysisId))).toBe(true);
      return rest;
    };
    for (const answer of answers) {
      expect(withoutProgress(answer.body)).toEqual(withoutProgress(first));
      expect(answer.headers.location).toBe(`/v1/confirmations/${first.id}`);
    }
    // The same question in other words: the instances' interfaces for the instances, and a client port AWS is not asked about.
    const later = await ask({ from: BATCH_ENI, to: APP_ENI, protocol: 'TCP', port: 8443, sourcePort: 40000 });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    expect(later.body).toMatchObject({
      id: first.id,
      subject: 'path',
      findingId: null,
      status: expect.stringMatching(/^(queued|running)$/),
    });
    expect(later.headers.location).toBe(`/v1/confirmations/${first.id}`);

    // Another port, or the same question on another target, is another analysis.
    const otherPort = await ask({ ...batchToApp, port: 8444 });
    expect(otherPort.status, JSON.stringify(otherPort.body)).toBe(202);
    expect(otherPort.body.analyzerPath).toMatchObject({ DestinationPort: 8444 });
    const another = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-repeated-elsewhere' }))).body.id;
    const elsewhere = await confirmPath({ ...batchToApp, snapshot: 'fresh' }, another);
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(202);

    // The database holds it too: a second pending row for the same target and question is refused.
    const duplicate = testApp.app.get(DataSource).query(
      `INSERT INTO reachability_confirmations (target_id, finding_id, subject, status, query, analyzer_path, sgdoctor, requested_at)
         SELECT target_id, finding_id, subject, 'queued', query, analyzer_path, sgdoctor, requested_at FROM reachability_confirmations WHERE id = $1`,
      [first.id],
    );
    await expect(duplicate).rejects.toMatchObject({ driverError: { constraint: 'uq_reachability_confirmations_pending_path_question' } });
    for (const id of [first.id, otherPort.body.id, elsewhere.body.id]) expect((await settled(id)).status).toBe('failed');
    expect(ec2.commandCalls(CreateNetworkInsightsPathCommand)).toHaveLength(3);

    // Once it has its outcome, asking again is a new confirmation.
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(blockedByAppGroups);
    const again = await ask();
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.id).not.toBe(first.id);
    expect((await settled(again.body.id)).status).toBe('succeeded');
  });

  it('concurrent requests cannot overspend: of six questions at once on a fresh target, four fit USD 0.40', async () => {
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(blockedByAppGroups);
    const fresh = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-concurrent' }))).body.id;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => confirmPath({ ...batchToApp, port: 8443 + i, snapshot: 'fresh' }, fresh)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 202, 202, 402, 402]);
    for (const a of answers.filter((x) => x.status === 202)) await settled(a.body.id);
  });

  it('a job that failed without recording it (given up on after stalling) leaves its confirmation failed, not running', async () => {
    const ds = testApp.app.get(DataSource);
    const [row] = (await ds.query(
      `INSERT INTO reachability_confirmations (target_id, subject, status, query, analyzer_path, sgdoctor, requested_at, analyses_started)
       SELECT target_id, subject, 'running', query, analyzer_path, sgdoctor, requested_at, 1 FROM reachability_confirmations WHERE target_id = $1 LIMIT 1
       RETURNING id`,
      [targetId],
    )) as Array<{ id: string }>;
    const processor = testApp.app.get(ConfirmationProcessor, { strict: false });
    await processor.onFailed({ data: { confirmationId: row.id } } as Job, new Error('job stalled more than allowable limit'));
    expect((await api(server()).get(`/v1/confirmations/${row.id}`)).body).toMatchObject({
      status: 'failed',
      costUsd: 0.1,
      failure: { code: 'ANALYZER.REQUEST_FAILED', reason: 'job stalled more than allowable limit' },
    });
    // A confirmation that already has its outcome keeps it.
    const succeeded = (await ds.query(`SELECT id FROM reachability_confirmations WHERE status = 'succeeded' LIMIT 1`)) as Array<{
      id: string;
    }>;
    await processor.onFailed({ data: { confirmationId: succeeded[0].id } } as Job, new Error('late'));
    expect((await api(server()).get(`/v1/confirmations/${succeeded[0].id}`)).body.status).toBe('succeeded');
  });

  it('is documented in the OpenAPI document: summaries, the 202 schema, and the 402 and 422 refusals', async () => {
    const doc = (await api(server()).get('/docs-json')).body;
    for (const path of ['/v1/findings/{id}/confirm', '/v1/targets/{id}/paths/confirm']) {
      const operation = doc.paths[path].post;
      expect(operation.summary).toMatch(/Reachability Analyzer/);
      expect(operation.responses['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/ConfirmationDto');
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['202', '402', '404', '409', '422']));
    }
    for (const path of ['/v1/findings/{id}/confirm', '/v1/targets/{id}/paths/confirm']) {
      expect(doc.paths[path].post.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ConfirmationDto');
    }
    expect(doc.paths['/v1/targets/{id}/paths/confirm'].post.description).toMatch(/same question.*analyzerPath/s);
    expect(doc.paths['/v1/confirmations/{id}'].get.responses['200']).toBeDefined();
    expect(doc.components.schemas.ConfirmationDto.properties.status.enum).toEqual(['queued', 'running', 'succeeded', 'failed']);
  });

  it('the monthly budget: a refused call costs nothing, an analysis beyond USD 0.40 in November is refused with 402 naming budget and spend, December starts afresh', async () => {
    const budgeted = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-budget' }))).body.id;
    // Each on its own port: the same question asked again while pending would get the pending one back.
    let port = 8443;
    const confirm = () => confirmPath({ ...batchToApp, port: port++, snapshot: 'fresh' }, budgeted);
    // A call AWS refuses before any analysis starts: failed, and not counted.
    ec2
      .on(StartNetworkInsightsAnalysisCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' }))
      .resolves(started);
    ec2.on(DescribeNetworkInsightsAnalysesCommand).resolves(blockedByAppGroups);
    const refusedByAws = await confirm();
    expect(refusedByAws.status).toBe(202);
    expect(await settled(refusedByAws.body.id)).toMatchObject({
      status: 'failed',
      costUsd: 0,
      failure: {
        code: 'ANALYZER.REQUEST_FAILED',
        reason: expect.stringMatching(
          /^RequestLimitExceeded: ec2:StartNetworkInsightsAnalysis \(account \d{12}, [a-z0-9-]+\): Rate exceeded$/,
        ),
      },
    });
    expect(ec2.commandCalls(DeleteNetworkInsightsPathCommand)).toHaveLength(1);

    // Four fit USD 0.40, counted while still queued; the fifth is refused.
    const accepted = [await confirm(), await confirm(), await confirm(), await confirm()];
    expect(accepted.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    const refused = await confirm();
    expect(refused.status).toBe(402);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    expect(refused.body).toMatchObject({
      code: 'CONFIRMATION.BUDGET_EXHAUSTED',
      budgetUsd: 0.4,
      spentUsd: 0.4,
      costPerAnalysisUsd: 0.1,
      month: '2026-11',
      resetsAt: '2026-12-01T00:00:00.000Z',
      targetId: budgeted,
    });
    expect(refused.body.detail).toContain('USD 0.40 of its USD 0.40');
    for (const r of accepted) expect((await settled(r.body.id)).costUsd).toBe(0.1);

    // The budget is per target: another one still has all of its own.
    const another = (await api(server()).post('/v1/targets', sampleTargetBody({ name: 'samples-another' }))).body.id;
    const elsewhere = await confirmPath({ ...batchToApp, snapshot: 'fresh' }, another);
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(202);
    await settled(elsewhere.body.id);

    clock.set('2026-12-01T00:00:00Z');
    const december = await confirm();
    expect(december.status, JSON.stringify(december.body)).toBe(202);
    expect(december.body.requestedAt).toBe('2026-12-01T00:00:00.000Z');
    const decemberDone = await settled(december.body.id);
    expect(decemberDone.status, JSON.stringify(decemberDone.failure)).toBe('succeeded');
  });
});
