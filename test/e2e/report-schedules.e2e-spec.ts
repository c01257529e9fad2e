import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/common/clock/clock';
import { QueueName } from '../../src/queues/queue-names';
import { redisOptionsFromUrl } from '../../src/queues/redis-connection-options';
import { ADMIN_KEY, dropResources, startApi, type RunningApi } from '../support/app/integration-app';
import { WebhookReceiver } from '../support/http/webhook-receiver';
import { until } from '../support/app/until';

describe('report schedules and reports', () => {
  let api: RunningApi;
  let queue: Queue;
  let targetId: string;
  let receiver: WebhookReceiver;
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${ADMIN_KEY}`);
  const http = {
    get: (path: string) => auth(request(api.app.getHttpServer()).get(path)),
    post: (path: string, body?: object) => auth(request(api.app.getHttpServer()).post(path)).send(body ?? {}),
    patch: (path: string, body: object) => auth(request(api.app.getHttpServer()).patch(path)).send(body),
    delete: (path: string) => auth(request(api.app.getHttpServer()).delete(path)),
  };

  beforeAll(async () => {
    // The samples hold one day of flow logs, 2026-11-24 (UTC): the service's clock starts the
    // morning after, so a 72-hour look-back covers them on any day the suite runs.
    api = await startApi({ clock: new SystemClock(new Date('2026-11-25T06:30:00Z')) });
    queue = new Queue(QueueName.Report, { connection: redisOptionsFromUrl(api.config.redis.url), prefix: api.config.redis.prefix });
    receiver = await WebhookReceiver.start();
    const target = await http.post('/v1/targets', {
      name: 'samples',
      accountId: '111122223333',
      region: 'eu-west-1',
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    });
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    targetId = target.body.id;
  });

  afterAll(async () => {
    await receiver?.close();
    await queue?.close();
    await api?.close();
    if (api) await dropResources(api.resources);
  });

  it('validates cron (with the scheduler parser), time zone, targets and webhooks, naming each field', async () => {
    const bad = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '61 * * * *', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['cron', 'timeZone']));
    // A UTC offset is no IANA time zone, though Intl takes it.
    for (const timeZone of ['+05:00', '-0500']) {
      const offset = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '0 6 * * *', timeZone });
      expect(offset.status, timeZone).toBe(400);
      expect(offset.body.errors).toEqual([{ field: 'timeZone', message: `timeZone ${timeZone} is not an IANA time zone` }]);
    }
    const unknown = await http.post('/v1/report-schedules', {
      targetIds: ['00000000-0000-4000-8000-000000000000'],
      cron: '0 6 * * *',
      webhookIds: ['00000000-0000-4000-8000-000000000001'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['targetIds', 'webhookIds']);
    const fields7 = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '0 0 6 * * * *' });
    expect(fields7.status).toBe(400);
  });

  it('refuses a cron that fires more often than once every 5 minutes, on creation and on change, naming the field', async () => {
    for (const cron of ['* * * * * *', '*/30 * * * * *', '* * * * *', '*/4 * * * *', '0,58 * * * *']) {
      const refused = await http.post('/v1/report-schedules', { targetIds: [targetId], cron });
      expect(refused.status, cron).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({
        code: 'REQUEST.VALIDATION_FAILED',
        errors: [
          {
            field: 'cron',
            message: expect.stringMatching(/^cron fires as often as every .*; a report schedule may fire at most once every 5 minutes$/),
          },
        ],
      });
    }
    const created = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '*/5 * * * *', enabled: false });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const changed = await http.patch(`/v1/report-schedules/${created.body.id}`, { cron: '0 0 * * * *' });
    expect(changed.status).toBe(200);
    const refused = await http.patch(`/v1/report-schedules/${created.body.id}`, { cron: '*/10 * * * * *' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'cron', message: expect.stringMatching(/every 10 seconds/) }]);
    expect((await http.get(`/v1/report-schedules/${created.body.id}`)).body.cron).toBe('0 0 * * * *');
    expect((await http.delete(`/v1/report-schedules/${created.body.id}`)).status).toBe(204);
  });

  it('keeps a BullMQ job scheduler in step with the schedule: create, update, disable, delete', async () => {
    const created = await http.post('/v1/report-schedules', {
      name: 'nightly',
      targetIds: [targetId],
      cron: '0 6 * * *',
      timeZone: 'Europe/Paris',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      lookbackHours: 24,
      formats: ['json', 'csv', 'markdown', 'html'],
      enabled: true,
      timeZone: 'Europe/Paris',
    });
    expect(created.body.nextRuns).toHaveLength(3);
    // 06:00 in Paris is 05:00 UTC in winter and 04:00 UTC in summer.
    expect(created.body.nextRuns.every((iso: string) => /T0[45]:00:00/.test(iso))).toBe(true);
    const id: string = created.body.id;
    expect(await queue.getJobScheduler(id)).toMatchObject({ key: id, pattern: '0 6 * * *', tz: 'Europe/Paris', name: 'report.run' });

    expect((await http.patch(`/v1/report-schedules/${id}`, { cron: '30 7 * * 1-5' })).status).toBe(200);
    expect(await queue.getJobScheduler(id)).toMatchObject({ pattern: '30 7 * * 1-5' });
    expect((await http.patch(`/v1/report-schedules/${id}`, { enabled: false })).body.nextRuns).toEqual([]);
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect((await http.patch(`/v1/report-schedules/${id}`, { enabled: true })).status).toBe(200);
    expect(await queue.getJobScheduler(id)).toBeDefined();
    expect((await http.delete(`/v1/report-schedules/${id}`)).status).toBe(204);
    expect(await queue.getJobScheduler(id)).toBeUndefined();
    expect((await http.get(`/v1/report-schedules/${id}`)).status).toBe(404);
  });

  it('a schedule that names a target deleted since can still be renamed and disabled; naming that target again is refused', async () => {
    const doomed = await http.post('/v1/targets', {
      name: 'doomed',
      accountId: '111122223333',
      region: 'eu-west-1',
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    });
    expect(doomed.status, JSON.stringify(doomed.body)).toBe(201);
    const created = await http.post('/v1/report-schedules', { targetIds: [targetId, doomed.body.id], cron: '0 6 * * *' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await http.delete(`/v1/targets/${doomed.body.id}`)).status).toBe(204);
    const disabled = await http.patch(`/v1/report-schedules/${created.body.id}`, { name: 'orphaned', enabled: false });
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body).toMatchObject({ name: 'orphaned', enabled: false });
    const renamed = await http.patch(`/v1/report-schedules/${created.body.id}`, { targetIds: [targetId, doomed.body.id] });
    expect(renamed.status).toBe(400);
    expect(renamed.body.errors).toEqual([{ field: 'targetIds', message: `unknown targets: ${doomed.body.id}` }]);
    expect((await http.patch(`/v1/report-schedules/${created.body.id}`, { targetIds: [targetId] })).status).toBe(200);
    expect((await http.delete(`/v1/report-schedules/${created.body.id}`)).status).toBe(204);
  });

  it('a schedule deleted while it is being changed stays deleted, and the changes that came too late get 404', async () => {
    for (let round = 0; round < 8; round++) {
      const created = await http.post('/v1/report-schedules', { name: `deleted-${round}`, targetIds: [targetId], cron: '0 6 * * *' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id: string = created.body.id;
      const [deleted, ...changes] = await Promise.all([
        http.delete(`/v1/report-schedules/${id}`),
        ...Array.from({ length: 4 }, (_, i) => http.patch(`/v1/report-schedules/${id}`, { name: `renamed-${round}-${i}` })),
      ]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      for (const change of changes) {
        expect([200, 404], `${change.status} ${JSON.stringify(change.body)}`).toContain(change.status);
        if (change.status === 404) expect(change.body.code).toBe('REPORT_SCHEDULE.NOT_FOUND');
      }
      // A PATCH that came after the DELETE must not have written the schedule back.
      const after = await http.get(`/v1/report-schedules/${id}`);
      expect(after.status, `round ${round}: ${JSON.stringify(after.body)}`).toBe(404);
    }
  });

  it('run now: fresh analysis, a report in every format, report.ready to the named webhook, trend on the next run', async () => {
    const hook = await http.post('/v1/webhooks', { url: receiver.url('/reports'), events: ['analysis.completed'] });
    expect(hook.status).toBe(201);
    const schedule = await http.post('/v1/report-schedules', {
      name: 'samples daily',
      targetIds: [targetId],
      cron: '0 6 * * *',
      lookbackHours: 72,
      webhookIds: [hook.body.id],
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const scheduleId: string = schedule.body.id;

    const run = await http.post(`/v1/report-schedules/${scheduleId}/run`);
    expect(run.status).toBe(202);
    const page = await until(
      () => http.get(`/v1/reports?scheduleId=${scheduleId}`),
      (r) => r.body.items?.length === 1,
      90_000,
      200,
    );
    const report = page.body.items[0];
    expect(report).toMatchObject({
      scheduleId,
      trigger: 'manual',
      runKey: `manual:${run.body.runId}`,
      formats: ['json', 'csv', 'markdown', 'html'],
    });
    expect(report.analysisIds).toHaveLength(1);
    expect(new Date(report.periodTo).getTime() - new Date(report.periodFrom).getTime()).toBe(72 * 3_600_000);
    const analysis = await http.get(`/v1/analyses/${report.analysisIds[0]}`);
    expect(analysis.body.status).toBe('succeeded');

    const asJson = await http.get(`/v1/reports/${report.id}?format=json`);
    expect(asJson.status).toBe(200);
    expect(asJson.headers['content-type']).toMatch(/^application\/json/);
    const data = JSON.parse(asJson.text);
    expect(data).toMatchObject({ id: report.id, trend: null, targets: [expect.objectContaining({ id: targetId, name: 'samples' })] });
    expect(data.findings.length).toBeGreaterThan(0);
    expect(data.totals.rejectedRecords).toBeGreaterThan(0);
    expect(data.totals.findings.new.total).toBe(data.findings.length);
    expect(data.topServices.length).toBeGreaterThan(0);
    expect(data.rejectedSeries.bucketSeconds).toBe(3600);
    // 72 hours from an instant that is not on the hour touch 73 hourly buckets.
    expect(data.rejectedSeries.points).toHaveLength(new Date(report.periodTo).getUTCMinutes() === 0 ? 72 : 73);

    const expected: Array<[string, RegExp, RegExp]> = [
      ['csv', /^text\/csv/, /fingerprint/],
      ['markdown', /^text\/markdown/, /^# /m],
      ['html', /^text\/html/, /<svg[\s\S]*<\/svg>/],
    ];
    for (const [format, type, content] of expected) {
      const rendered = await http.get(`/v1/reports/${report.id}?format=${format}`);
      expect(rendered.status, format).toBe(200);
      expect(rendered.headers['content-type'], format).toMatch(type);
      expect(rendered.text, format).toMatch(content);
      expect(rendered.headers['x-content-type-options'], format).toBe('nosniff');
      expect(rendered.headers['content-security-policy'], format).toMatch(/default-src 'none'/);
      expect(rendered.headers['content-security-policy'], format).not.toMatch(/script-src/);
      // gzip to a client that accepts it (as this one does), the same text to one that does not.
      expect(rendered.headers['content-encoding'], format).toBe('gzip');
      const plain = await http.get(`/v1/reports/${report.id}?format=${format}`).unset('Accept-Encoding');
      expect(plain.headers['content-encoding'], format).toBeUndefined();
      expect(plain.text, format).toBe(rendered.text);
    }
    expect((await http.get(`/v1/reports/${report.id}?format=pdf`)).status).toBe(400);
    expect((await http.get('/v1/reports/00000000-0000-4000-8000-000000000000')).body.code).toBe('REPORT.NOT_FOUND');

    await until(async () => receiver.requests.some((r) => JSON.parse(r.body.toString()).type === 'report.ready'), Boolean, 20_000);
    const ready = receiver.requests.map((r) => JSON.parse(r.body.toString())).find((b) => b.type === 'report.ready');
    expect(ready.data).toMatchObject({ reportId: report.id, scheduleId, links: { html: `/v1/reports/${report.id}?format=html` } });
    expect(ready.data.totals.newFindings).toBe(data.totals.findings.new.total);
    // The analysis the run started announced itself through the same outbox and delivery queue.
    const completed = receiver.requests.map((r) => JSON.parse(r.body.toString())).find((b) => b.type === 'analysis.completed');
    expect(completed.data.analysisId).toBe(report.analysisIds[0]);

    const second = await http.post(`/v1/report-schedules/${scheduleId}/run`);
    expect(second.status).toBe(202);
    const both = await until(
      () => http.get(`/v1/reports?scheduleId=${scheduleId}`),
      (r) => r.body.items?.length === 2,
      90_000,
      200,
    );
    const latest = both.body.items[0];
    const trend = JSON.parse((await http.get(`/v1/reports/${latest.id}`)).text).trend;
    expect(trend).toMatchObject({ previousReportId: report.id, openFindings: { previous: data.totals.findings.open.total } });
    expect(trend.newFindings.previous).toBe(data.totals.findings.new.total);
    expect(trend.rejectedRecords.previous).toBe(data.totals.rejectedRecords);
  });

  it('shows a run that failed for good with its reason, and 404 for a run of another schedule', async () => {
    const schedule = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '0 6 * * *', enabled: false });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const other = await http.post('/v1/report-schedules', { targetIds: [targetId], cron: '0 7 * * *', enabled: false });
    const runId = '00000000-0000-4000-8000-00000000f417';
    await api.app
      .get(DataSource)
      .query(`INSERT INTO report_runs (id, schedule_id, requested_at, status, failure) VALUES ($1, $2, $3, 'failed', $4)`, [
        runId,
        schedule.body.id,
        new Date('2026-11-25T06:00:00Z'),
        'Error: report rendering failed',
      ]);
    const failed = await http.get(`/v1/report-schedules/${schedule.body.id}/runs/${runId}`);
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body).toEqual({
      runId,
      scheduleId: schedule.body.id,
      requestedAt: '2026-11-25T06:00:00.000Z',
      status: 'failed',
      reportId: null,
      failure: 'Error: report rendering failed',
    });
    expect((await http.get(`/v1/report-schedules/${other.body.id}/runs/${runId}`)).status).toBe(404);
    expect((await http.get(`/v1/report-schedules/${schedule.body.id}/runs/not-a-uuid`)).status).toBe(400);
  });

  it('names a target whose analysis failed, in every format, instead of reporting it as if analysed', async () => {
    const broken = await http.post('/v1/targets', {
      name: 'broken snapshot',
      accountId: '111122223333',
      region: 'eu-west-1',
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['README.md'] },
    });
    expect(broken.status, JSON.stringify(broken.body)).toBe(201);
    const schedule = await http.post('/v1/report-schedules', {
      name: 'with a broken target',
      targetIds: [targetId, broken.body.id],
      cron: '0 6 * * *',
      lookbackHours: 72,
    });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const run = await http.post(`/v1/report-schedules/${schedule.body.id}/run`);
    expect(run.status).toBe(202);
    expect(run.headers.location).toBe(`/v1/report-schedules/${schedule.body.id}/runs/${run.body.runId}`);
    // The run can be followed: queued or running, then succeeded with its report.
    const settled = await until(
      () => http.get(run.headers.location as string),
      (r) => r.status !== 200 || r.body.status === 'succeeded' || r.body.status === 'failed',
      90_000,
      200,
    );
    expect(settled.status, JSON.stringify(settled.body)).toBe(200);
    expect(settled.body).toMatchObject({ runId: run.body.runId, scheduleId: schedule.body.id, status: 'succeeded', failure: null });
    expect(settled.body.reportId).toEqual(expect.any(String));
    const absent = await http.get(`/v1/report-schedules/${schedule.body.id}/runs/00000000-0000-4000-8000-000000000000`);
    expect(absent.status).toBe(404);
    expect(absent.body.code).toBe('REPORT_RUN.NOT_FOUND');
    const page = await until(
      () => http.get(`/v1/reports?scheduleId=${schedule.body.id}`),
      (r) => r.body.items?.length === 1,
      90_000,
      200,
    );
    const report = page.body.items[0];
    expect(report.id).toBe(settled.body.reportId);
    const data = JSON.parse((await http.get(`/v1/reports/${report.id}?format=json`)).text);
    expect(data.notAnalysed).toEqual([
      expect.objectContaining({
        targetId: broken.body.id,
        status: 'failed',
        reason: expect.stringContaining('README.md is not valid JSON'),
      }),
    ]);
    expect(data.notAnalysed[0].analysisId).toEqual(expect.any(String));
    const markdown = (await http.get(`/v1/reports/${report.id}?format=markdown`)).text;
    expect(markdown).toMatch(/not analysed.*broken snapshot.*failed.*README\.md is not valid JSON/);
    const html = (await http.get(`/v1/reports/${report.id}?format=html`)).text;
    expect(html).toMatch(/Targets not analysed[\s\S]*broken snapshot[\s\S]*README\.md is not valid JSON/);
  });

  // Last: a run recorded before its schedule's DELETE may start an analysis of the target, whose
  // events would reach the receivers of the tests above.
  it('a run asked for while its schedule is deleted is 404 REPORT_SCHEDULE.NOT_FOUND or recorded before the DELETE, never a 500', async () => {
    for (let round = 0; round < 8; round++) {
      const created = await http.post('/v1/report-schedules', { name: `run-deleted-${round}`, targetIds: [targetId], cron: '0 6 * * *' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id: string = created.body.id;
      const [deleted, ...runs] = await Promise.all([
        http.delete(`/v1/report-schedules/${id}`),
        ...Array.from({ length: 4 }, () => http.post(`/v1/report-schedules/${id}/run`)),
      ]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      for (const run of runs) {
        expect([202, 404], `${run.status} ${JSON.stringify(run.body)}`).toContain(run.status);
        if (run.status === 404) expect(run.body.code).toBe('REPORT_SCHEDULE.NOT_FOUND');
      }
    }
  });
});
