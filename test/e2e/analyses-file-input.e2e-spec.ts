import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, analyse, api, sampleTargetBody, waitForAnalysis } from '../support/app/analysis-api';

const samples = join(__dirname, '..', '..', 'samples');
const sampleDay = join(samples, 'flows', 'AWSLogs', '111122223333', 'vpcflowlogs', 'eu-west-1', '2026', '11', '24');

describe('an analysis of flow-log files', () => {
  let testApp: TestApp;
  let dataRoot: string;
  let outside: string;
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    // A data root with the sample snapshot, one sample file intact and another cut short.
    dataRoot = mkdtempSync(join(tmpdir(), 'sgdoctor-data-'));
    copyFileSync(join(samples, 'snapshot.json'), join(dataRoot, 'snapshot.json'));
    mkdirSync(join(dataRoot, 'flows'));
    const [first, second] = readdirSync(sampleDay).sort();
    copyFileSync(join(sampleDay, first), join(dataRoot, 'flows', 'a.log.gz'));
    const whole = readFileSync(join(sampleDay, second));
    writeFileSync(join(dataRoot, 'flows', 'b-cut.log.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    // Beside the root: a flow log of its own, which no analysis may read.
    outside = mkdtempSync(join(tmpdir(), 'sgdoctor-outside-'));
    copyFileSync(join(sampleDay, second), join(outside, 'secret.log.gz'));
    testApp = await createTestApp({
      env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true', SGDOCTOR_DATA_ROOT: dataRoot },
    });
  });

  afterAll(async () => {
    await testApp?.close();
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
    if (outside) rmSync(outside, { recursive: true, force: true });
  });

  it('records a file it could not read to its end as a warning naming the file, and uses what it read', async () => {
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const done = await analyse(server(), target.body.id);
    expect(done.statistics.records).toBeGreaterThan(0);
    expect(done.statistics.malformedLines).toBe(0);
    expect(done.statistics.warnings).toEqual([
      { file: 'flows/b-cut.log.gz', message: expect.stringMatching(/cannot be read to its end: unexpected end of file/) },
    ]);

    // The snapshot the analysis used, with a read-only key.
    const created = await api(server()).post('/v1/api-keys', { name: 'reader', scopes: ['read'] });
    expect(created.status).toBe(201);
    const snapshot = await api(server(), created.body.key).get(`/v1/analyses/${done.id}/snapshot`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers['content-type']).toMatch(/^application\/json/);
    const file = JSON.parse(readFileSync(join(dataRoot, 'snapshot.json'), 'utf8'));
    expect(snapshot.body.NetworkInterfaces.map((e: any) => e.NetworkInterfaceId)).toEqual(
      file.NetworkInterfaces.map((e: any) => e.NetworkInterfaceId),
    );
    expect(snapshot.body.SecurityGroups).toHaveLength(file.SecurityGroups.length);
    // gzip to a client that accepts it (as this one does), as it is to one that does not.
    expect(snapshot.headers['content-encoding']).toBe('gzip');
    expect(snapshot.headers['vary']).toBe('accept-encoding');
    const plain = await api(server(), created.body.key).get(`/v1/analyses/${done.id}/snapshot`).unset('Accept-Encoding');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toEqual(snapshot.body);

    const missing = await api(server()).get('/v1/analyses/00000000-0000-4000-8000-000000000000/snapshot');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('ANALYSIS.NOT_FOUND');
  });

  it('reads a directory’s links that stay inside the data root, and skips and names those that lead out, never reading them', async () => {
    mkdirSync(join(dataRoot, 'linked'));
    symlinkSync(join(dataRoot, 'flows', 'a.log.gz'), join(dataRoot, 'linked', 'a.log.gz'));
    symlinkSync(join(outside, 'secret.log.gz'), join(dataRoot, 'linked', 'evil.log.gz'));
    symlinkSync('/etc/passwd', join(dataRoot, 'linked', 'passwd.log'));
    const target = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: 'linked', flowSource: { type: 'files', paths: ['linked'] } }),
    );
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const done = await analyse(server(), target.body.id);
    const inside =
      gunzipSync(readFileSync(join(dataRoot, 'flows', 'a.log.gz')))
        .toString()
        .trim()
        .split('\n').length - 1;
    expect(done.statistics).toMatchObject({ records: inside, malformedLines: 0, filesSkipped: 2 });
    expect(done.statistics.warnings).toEqual([
      { file: 'linked/evil.log.gz', message: expect.stringMatching(/^skipped: symbolic link leading outside the data root/) },
      { file: 'linked/passwd.log', message: expect.stringMatching(/^skipped: symbolic link leading outside the data root/) },
    ]);
  });

  /** An analysis of a target whose snapshot file `file` holds `text`, once it has ended. */
  async function analysedWithSnapshot(file: string, text: string) {
    writeFileSync(join(dataRoot, file), text);
    const target = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: file, configSource: { type: 'snapshot-file', paths: [file] } }),
    );
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    const created = await api(server()).post('/v1/analyses', {
      targetId: target.body.id,
      from: '2026-11-24T00:00:00Z',
      to: '2026-11-25T00:00:00Z',
    });
    return waitForAnalysis(server(), created.body.id);
  }

  it('fails an analysis whose snapshot lacks required members, naming them, and has no snapshot to serve', async () => {
    const failed = await analysedWithSnapshot('empty.json', '{}');
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ code: 'SNAPSHOT.INVALID', stage: 'snapshot' });
    expect(failed.failure.reason).toContain('missing SecurityGroups, NetworkAcls, NetworkInterfaces, Subnets');
    const none = await api(server()).get(`/v1/analyses/${failed.id}/snapshot`);
    expect(none.status).toBe(404);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('ANALYSIS.SNAPSHOT_NOT_FOUND');
  });

  it.each([
    ['text that is no JSON', 'TOPSECRET=hunter2\n', null],
    ['JSON broken halfway', '{"TOPSECRET": "hunter2",\n}', '(line 2, column 1)'],
  ])('fails an analysis whose snapshot is %s, saying where but not quoting the file', async (name, text, where) => {
    const file = `${name.replace(/\W+/g, '-')}.json`;
    const failed = await analysedWithSnapshot(file, text);
    expect(failed.failure).toMatchObject({ code: 'SNAPSHOT.UNREADABLE', stage: 'snapshot' });
    expect(failed.failure.reason).toBe(`snapshot ${file} is not valid JSON${where ? ` ${where}` : ''}`);
    expect(JSON.stringify(failed)).not.toMatch(/TOPSECRET|hunter2/);
  });
});
