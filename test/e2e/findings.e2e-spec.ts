import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { FindingSummaryDto } from '../../src/findings/dto/finding-summary.dto';
import { FindingEntity } from '../../src/findings/finding.entity';
import { FindingsService } from '../../src/findings/findings.service';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, allFindings, analyse, api, sampleTargetBody } from '../support/app/analysis-api';

const APP_SG = 'sg-0a1b2c3d4e5f60002';
const BATCH_SG = 'sg-0a1b2c3d4e5f60004';

describe('findings and simulations on the analysed samples', () => {
  let testApp: TestApp;
  let targetId: string;
  let findings: Array<Record<string, any>>;
  const server = () => testApp.app.getHttpServer();
  /** Finding A of samples/expected-findings.json: the app SG lacks the batch SG on tcp/8443. */
  const findingA = () =>
    findings.find((f) => f.port === 8443 && f.blockedBy.control === 'security-group' && f.blockedBy.groupIds.includes(APP_SG))!;

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true' } });
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    targetId = target.body.id;
    await analyse(server(), targetId);
    findings = await allFindings(server(), targetId);
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('finds the seeded misconfigurations of the samples with verified fixes', () => {
    const actionable = findings.filter((f) => f.classification === 'likely-misconfiguration');
    expect(actionable.map((f) => f.traffic).sort()).toEqual(
      expect.arrayContaining(['tcp/8443', 'tcp/6379', 'tcp/443', 'tcp/22', 'tcp/9102']),
    );
    expect(findingA()).toBeDefined();
    expect(findingA().fixSummary).toBe('AuthorizeSecurityGroupIngress (verified)');
    expect(findings.every((f) => f.status === 'open')).toBe(true);
  });

  it('lists each finding exactly as its detail summarises it', async () => {
    const summaryKeys = [
      'blockedBy',
      'campaign',
      'classification',
      'direction',
      'fingerprint',
      'firstSeen',
      'fixSummary',
      'id',
      'kind',
      'lastSeen',
      'peerCount',
      'port',
      'protocol',
      'records',
      'returnTraffic',
      'severity',
      'status',
      'targetId',
      'traffic',
    ];
    expect(findings.some((f) => f.kind === 'campaign')).toBe(true);
    expect(findings.some((f) => f.fixSummary !== null)).toBe(true);
    for (const listed of findings) {
      expect(Object.keys(listed).sort()).toEqual(summaryKeys);
      const detail = await api(server()).get(`/v1/findings/${listed.id}`);
      expect(detail.status).toBe(200);
      expect(Object.fromEntries(summaryKeys.map((key) => [key, detail.body[key]]))).toEqual(listed);
    }
  });

  it('renders every page as the stored findings summarised in TypeScript would read, over filters, sorts and cursors', async () => {
    // The reference: each stored finding read whole and summarised as FindingSummaryDto does it.
    const entities = await testApp.app.get(DataSource).getRepository(FindingEntity).find();
    const expected = new Map(entities.map((entity) => [entity.id, JSON.parse(JSON.stringify(FindingSummaryDto.fromEntity(entity)))]));
    expect(expected.size).toBe(findings.length);
    const queries = [
      '',
      `&targetId=${targetId}`,
      '&classification=likely-misconfiguration,uncertain&severity=medium,high,critical&sort=lastSeen&order=desc',
      '&kind=campaign&sort=records&order=asc',
      '&sort=severity&order=asc',
      `&securityGroupId=${APP_SG}`,
      '&status=open&sort=priority&order=asc',
    ];
    for (const query of queries) {
      for (const limit of [1, 7, 200]) {
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: any = await api(server()).get(
            `/v1/findings?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(page.status).toBe(200);
          expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(Object.keys(page.body)).toEqual(['items', 'nextCursor']);
          for (const item of page.body.items) {
            expect(Object.keys(item)).toEqual(Object.keys(expected.get(item.id)));
            expect(item).toEqual(expected.get(item.id));
          }
          cursor = page.body.nextCursor;
          if (cursor !== null) expect(page.body.items).toHaveLength(limit);
          pages += 1;
        } while (cursor && pages < 4);
      }
    }
    const empty = await api(server()).get('/v1/findings?targetId=00000000-0000-4000-8000-000000000000');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });

  it('renders every detail as the finding read and summarised in TypeScript would read', async () => {
    const service = testApp.app.get(FindingsService);
    for (const listed of findings) {
      const expected = JSON.parse(JSON.stringify(await service.get(listed.id)));
      const detail = await api(server()).get(`/v1/findings/${listed.id}`);
      expect(detail.status).toBe(200);
      expect(detail.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Object.keys(detail.body)).toEqual(Object.keys(expected));
      expect(Object.keys(detail.body.evidence)).toEqual(Object.keys(expected.evidence));
      expect(detail.body).toEqual(expected);
    }
  });

  it('filters by classification, security group, NACL, VPC, port and text', async () => {
    const misconfigured = await allFindings(server(), targetId, '&classification=likely-misconfiguration');
    expect(misconfigured.length).toBe(findings.filter((f) => f.classification === 'likely-misconfiguration').length);
    expect(misconfigured.every((f) => f.classification === 'likely-misconfiguration')).toBe(true);

    const bySg = await allFindings(server(), targetId, `&securityGroupId=${APP_SG}&port=8443`);
    expect(bySg.map((f) => f.id)).toContain(findingA().id);
    expect(bySg.every((f) => f.port === 8443)).toBe(true);

    const byAcl = await allFindings(server(), targetId, '&networkAclId=acl-0c1d2e3f4a5b6c703');
    expect(byAcl.some((f) => f.port === 6379)).toBe(true);
    expect(byAcl.every((f) => f.blockedBy.networkAclId === 'acl-0c1d2e3f4a5b6c703' || f.blockedBy.control === 'security-group')).toBe(true);

    const byText = await allFindings(server(), targetId, `&q=${encodeURIComponent(APP_SG.toUpperCase())}`);
    expect(byText.map((f) => f.id)).toContain(findingA().id);
    const none = await allFindings(server(), targetId, `&q=${encodeURIComponent("%' OR 1=1 --")}`);
    expect(none).toHaveLength(0);

    const vpc = await api(server()).get(`/v1/findings/${findingA().id}`);
    const byVpc = await allFindings(server(), targetId, `&vpcId=${vpc.body.vpcIds[0]}`);
    expect(byVpc.map((f) => f.id)).toContain(findingA().id);

    const bad = await api(server()).get('/v1/findings?severity=urgent');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('filters by status, kind, severity and account, alone and together, page after page', async () => {
    const ids = (list: Array<Record<string, any>>) => list.map((f) => f.id).sort();
    const campaigns = await allFindings(server(), targetId, '&kind=campaign');
    expect(campaigns.length).toBeGreaterThan(0);
    expect(ids(campaigns)).toEqual(ids(findings.filter((f) => f.kind === 'campaign')));

    const severe = await allFindings(server(), targetId, '&severity=high,critical&severity=medium');
    expect(ids(severe)).toEqual(ids(findings.filter((f) => ['medium', 'high', 'critical'].includes(f.severity))));

    expect(ids(await allFindings(server(), targetId, '&status=acknowledged,open'))).toEqual(ids(findings));
    expect(await allFindings(server(), targetId, '&status=resolved')).toEqual([]);

    const detail = await api(server()).get(`/v1/findings/${findingA().id}`);
    const byAccount = await allFindings(server(), targetId, `&accountId=${detail.body.accountIds[0]}`);
    expect(byAccount.map((f) => f.id)).toContain(findingA().id);
    expect(await allFindings(server(), targetId, '&accountId=999999999999')).toEqual([]);

    // Several filters with a sort and a cursor: the cursor's values are bound after the filters'.
    const wanted = findings.filter((f) => f.classification !== 'likely-noise' && f.severity !== 'low' && f.kind === 'rule');
    expect(wanted.length).toBeGreaterThan(3);
    const seen: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const page: any = await api(server()).get(
        `/v1/findings?targetId=${targetId}&classification=likely-misconfiguration,uncertain&severity=medium,high,critical&kind=rule` +
          `&sort=lastSeen&order=asc&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids(seen)).toEqual(ids(wanted));
    const times = seen.map((f) => Date.parse(f.lastSeen));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('pages with an opaque cursor in every sort order without gaps or repeats', async () => {
    for (const sort of ['lastSeen', 'severity', 'records']) {
      for (const order of ['desc', 'asc']) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let previous: number | null = null;
        do {
          const page: any = await api(server()).get(
            `/v1/findings?targetId=${targetId}&sort=${sort}&order=${order}&limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(page.status).toBe(200);
          for (const item of page.body.items) {
            seen.push(item.id);
            const key =
              sort === 'records'
                ? item.records
                : sort === 'lastSeen'
                  ? Date.parse(item.lastSeen)
                  : ['low', 'medium', 'high', 'critical'].indexOf(item.severity);
            if (previous !== null) expect(order === 'desc' ? key <= previous : key >= previous).toBe(true);
            previous = key;
          }
          cursor = page.body.nextCursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.length).toBe(findings.length);
      }
    }
    const forged = await api(server()).get(`/v1/findings?cursor=${Buffer.from('{"k":"x"}').toString('base64url')}`);
    expect(forged.status).toBe(400);
    // A cursor continues the sort and order it was made for, and no other.
    for (const [made, used] of [
      ['sort=severity', 'sort=priority'],
      ['sort=records', ''],
      ['sort=records&order=desc', 'sort=records&order=asc'],
      ['sort=lastSeen', 'sort=severity'],
    ]) {
      const first = await api(server()).get(`/v1/findings?targetId=${targetId}&limit=2&${made}`);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const other = await api(server()).get(
        `/v1/findings?targetId=${targetId}&limit=2&${used}&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(other.status, `${made} → ${used}`).toBe(400);
      expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(other.body).toMatchObject({
        code: 'REQUEST.VALIDATION_FAILED',
        errors: [{ field: 'cursor', message: expect.stringMatching(/^cursor was made for sort=/) }],
      });
      const same = await api(server()).get(
        `/v1/findings?targetId=${targetId}&limit=2&${made}&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(same.status).toBe(200);
    }
    for (const limit of ['0', '201', 'ten']) {
      const bad = await api(server()).get(`/v1/findings?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(bad.body.errors)).toContain('limit');
    }
  });

  it('serves a finding with evidence, the fix in every rendering and its risks', async () => {
    const detail = await api(server()).get(`/v1/findings/${findingA().id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.fix.changes[0]).toMatchObject({ action: 'AuthorizeSecurityGroupIngress', params: { GroupId: APP_SG } });
    expect(JSON.stringify(detail.body.fix.changes)).toContain(BATCH_SG);
    expect(detail.body.fix.awsCli).toContain('authorize-security-group-ingress');
    expect(detail.body.fix.terraform).toContain('aws_');
    expect(detail.body.fix.cloudFormation.length).toBeGreaterThan(0);
    expect(detail.body.fix.verified).toBe(true);
    expect(Array.isArray(detail.body.fix.risks)).toBe(true);
    expect(detail.body.evidence.topPeers.length).toBeGreaterThan(0);
    expect(detail.body.evidence.countsOverTime.length).toBeGreaterThan(1);
    const hourly = detail.body.evidence.countsOverTime.reduce((sum: number, c: { records: number }) => sum + c.records, 0);
    expect(hourly).toBe(detail.body.records);
    expect(detail.body.evidence.sampleFlows).toBeGreaterThan(0);

    const missing = await api(server()).get('/v1/findings/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('FINDING.NOT_FOUND');
  });

  it('changes status with an audit trail and refuses transitions that make no sense', async () => {
    const id = findingA().id;
    /** A change answers with the finding's detail exactly as GET renders it, and as the TypeScript reference builds it. */
    const expectDetail = async (patched: { status: number; text: string; body: any; headers: Record<string, string> }) => {
      expect(patched.status).toBe(200);
      expect(patched.headers['content-type']).toBe('application/json; charset=utf-8');
      const detail = await api(server()).get(`/v1/findings/${id}`);
      expect(patched.text).toBe(detail.text);
      expect(patched.body).toEqual(JSON.parse(JSON.stringify(await testApp.app.get(FindingsService).get(id))));
    };
    const ack = await api(server()).patch(`/v1/findings/${id}`, { status: 'acknowledged', reason: 'ticket NET-42' });
    await expectDetail(ack);
    expect(ack.body).toMatchObject({ status: 'acknowledged', statusReason: 'ticket NET-42' });

    const noReason = await api(server()).patch(`/v1/findings/${id}`, { status: 'suppressed' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors[0].field).toBe('reason');

    const past = await api(server()).patch(`/v1/findings/${id}`, { status: 'suppressed', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);

    const expiry = new Date(Date.now() + 86_400_000).toISOString();
    const suppressed = await api(server()).patch(`/v1/findings/${id}`, {
      status: 'suppressed',
      reason: 'accepted risk',
      expiresAt: expiry,
    });
    await expectDetail(suppressed);
    expect(suppressed.body.suppressedUntil).toBe(expiry);

    const resolved = await api(server()).patch(`/v1/findings/${id}`, { status: 'resolved', reason: 'rule added' });
    await expectDetail(resolved);
    expect(resolved.body.status).toBe('resolved');
    const invalid = await api(server()).patch(`/v1/findings/${id}`, { status: 'acknowledged' });
    expect(invalid.status).toBe(409);
    expect(invalid.body.code).toBe('FINDING.INVALID_TRANSITION');

    const history = await api(server()).get(`/v1/findings/${id}/events`);
    expect(history.status).toBe(200);
    expect(history.body.map((e: any) => [e.from, e.to])).toEqual([
      [null, 'open'],
      ['open', 'acknowledged'],
      ['acknowledged', 'suppressed'],
      ['suppressed', 'resolved'],
    ]);
    expect(history.body[0].actor).toMatchObject({ type: 'system' });
    expect(history.body[1].actor).toMatchObject({ type: 'api-key', id: 'bootstrap-admin' });
    expect(history.body[1].reason).toBe('ticket NET-42');

    const reopened = await api(server()).patch(`/v1/findings/${id}`, { status: 'open', reason: 'not fixed after all' });
    await expectDetail(reopened);
    expect(reopened.body.status).toBe('open');
  });

  it("simulates a finding's fix against the latest snapshot: its flows get through", async () => {
    const detail = await api(server()).get(`/v1/findings/${findingA().id}`);
    const simulated = await api(server()).post('/v1/simulations', { targetId, changes: detail.body.fix.changes });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
    expect(simulated.body.nowAllowed.length).toBeGreaterThan(0);
    expect(simulated.body.nowAllowed.every((f: any) => f.findingId === findingA().id)).toBe(true);
    expect(simulated.body.findingsResolved.map((f: any) => f.findingId)).toContain(findingA().id);
    expect(simulated.body.newlyReachable[0]).toMatchObject({ groupId: APP_SG, peer: BATCH_SG, peerKind: 'security-group' });

    const outside = await api(server()).post('/v1/simulations', {
      targetId,
      changes: detail.body.fix.changes,
      window: { from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' },
    });
    expect(outside.body.flowsEvaluated).toBe(0);

    const unknownGroup = await api(server()).post('/v1/simulations', {
      targetId,
      changes: [
        {
          action: 'AuthorizeSecurityGroupIngress',
          params: {
            GroupId: 'sg-0123456789abcdef0',
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
          },
        },
      ],
    });
    expect(unknownGroup.status).toBe(422);
    expect(unknownGroup.headers['content-type']).toMatch(/problem\+json/);
    expect(unknownGroup.body.code).toBe('SIMULATION.INVALID_CHANGE');

    const badAction = await api(server()).post('/v1/simulations', { targetId, changes: [{ action: 'DeleteVpc', params: {} }] });
    expect(badAction.status).toBe(400);

    // A parameter EC2 does not take (it answers UnknownParameter) is refused, not ignored.
    const [fix] = detail.body.fix.changes;
    const nacl = {
      NetworkAclId: 'acl-0123456789abcdef0',
      RuleNumber: 90,
      Protocol: '6',
      RuleAction: 'allow',
      Egress: false,
      CidrBlock: '10.0.0.0/8',
    };
    for (const [change, field] of [
      [{ ...fix, params: { ...fix.params, Bogus: 1 } }, 'changes[1].params.Bogus'],
      [
        { ...fix, params: { ...fix.params, IpPermissions: [{ ...fix.params.IpPermissions[0], Bogus: 1 }] } },
        'changes[1].params.IpPermissions[0].Bogus',
      ],
      [
        { action: 'CreateNetworkAclEntry', params: { ...nacl, PortRange: { From: 1, To: 2, Bogus: 3 } } },
        'changes[1].params.PortRange.Bogus',
      ],
      [{ action: 'ReplaceNetworkAclEntry', params: { ...nacl, GroupId: 'sg-1' } }, 'changes[1].params.GroupId'],
    ] as const) {
      const refused = await api(server()).post('/v1/simulations', { targetId, changes: [fix, change] });
      expect(refused.status, `${field}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body.code).toBe('REQUEST.VALIDATION_FAILED');
      expect(refused.body.errors).toEqual([{ field, message: expect.stringContaining(field.slice(field.lastIndexOf('.') + 1)) }]);
      expect(refused.body.errors[0].message).toMatch(/EC2 .* takes no such parameter/);
    }
  });

  it('records finding.opened events in the outbox, naming the finding; with no subscription, no fan-out job', async () => {
    const { Client } = await import('pg');
    const db = new Client({ connectionString: testApp.config.database.url });
    await db.connect();
    try {
      const opened = await db.query(
        `SELECT id, published_at, fanned_out_at, data FROM events WHERE type = 'finding.opened' AND target_id = $1`,
        [targetId],
      );
      expect(opened.rowCount).toBe(findings.length);
      expect(opened.rows.every((row) => row.published_at !== null && row.fanned_out_at !== null)).toBe(true);
      // The finding's JSON is stored once, in its row: the event names it.
      const findingIds = new Set(findings.map((f) => f.id));
      for (const row of opened.rows) {
        expect(row.data).not.toHaveProperty('finding');
        expect(findingIds.has(row.data.findingId)).toBe(true);
      }
      const completed = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'analysis.completed' AND target_id = $1`, [
        targetId,
      ]);
      expect(completed.rows[0].n).toBe(1);
      const { Queue } = await import('bullmq');
      const queue = new Queue('webhook-delivery', { connection: { host: '127.0.0.1', port: 6379 }, prefix: testApp.config.redis.prefix });
      try {
        // No webhook listens to finding.opened: nothing to deliver, so no job per event.
        expect(await queue.getJob(opened.rows[0].id)).toBeUndefined();
      } finally {
        await queue.close();
      }
    } finally {
      await db.end();
    }
  });
});
