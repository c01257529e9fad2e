import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, analyse, api, sampleTargetBody } from '../support/app/analysis-api';

const APP_SG = 'sg-0a1b2c3d4e5f60002';
const BATCH_SG = 'sg-0a1b2c3d4e5f60004';
/** A batch instance and an app instance of the samples: the app groups lack the batch group on tcp/8443. */
const BATCH = 'i-0b1a2c3d4e5f60041';
const APP = 'i-0b1a2c3d4e5f60011';

describe('POST /v1/targets/{id}/paths on the samples', () => {
  let testApp: TestApp;
  let targetId: string;
  const server = () => testApp.app.getHttpServer();
  const ask = (body: Record<string, unknown>, id = targetId) => api(server()).post(`/v1/targets/${id}/paths`, body);

  beforeAll(async () => {
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_WITH_WORKER: 'true' } });
    const target = await api(server()).post('/v1/targets', sampleTargetBody());
    targetId = target.body.id;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  it('before any analysis: 409 problem+json for the latest snapshot, an answer from a fresh one', async () => {
    const none = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 8443 });
    expect(none.status).toBe(409);
    expect(none.headers['content-type']).toMatch(/problem\+json/);
    expect(none.body.code).toBe('PATH.NO_SNAPSHOT');

    const fresh = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 8443, snapshot: 'fresh' });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.verdict).toBe('blocked');
  });

  it('over the latest analysed snapshot: the blocking group, every hop, the reply and a verified fix, as the CLI prints them', async () => {
    await analyse(server(), targetId);
    const response = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 8443 });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(Object.keys(body)).toEqual(['verdict', 'hops', 'blockedBy', 'reply', 'suggestedFix', 'reason']);
    expect(body.verdict).toBe('blocked');
    expect(body.blockedBy).toEqual([{ control: 'security-group', direction: 'ingress', groupIds: [APP_SG, 'sg-0a1b2c3d4e5f60003'] }]);
    expect(body.hops.map((h: { hop: string; verdict: string }) => `${h.hop} ${h.verdict}`)).toEqual([
      'security-group allow',
      'network-acl allow',
      'route skipped',
      'network-acl allow',
      'security-group deny',
    ]);
    expect(body.hops[4].explanationCode).toBe('ENI_SG_RULES_MISMATCH');
    expect(body.reply.verdict).toBe('allowed');
    expect(body.suggestedFix.verified).toBe(true);
    expect(body.suggestedFix.changes).toEqual([
      {
        action: 'AuthorizeSecurityGroupIngress',
        params: {
          GroupId: APP_SG,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, UserIdGroupPairs: [expect.objectContaining({ GroupId: BATCH_SG })] },
          ],
        },
      },
    ]);

    // The app tier reaches its PostgreSQL (an RDS interface) by address; protocol as a number.
    const allowed = await ask({ from: APP, to: '10.20.20.10', protocol: 6, port: 5432 });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ verdict: 'allowed', blockedBy: [], suggestedFix: null, reply: { verdict: 'allowed' } });
  });

  it('a fresh snapshot its source cannot give is a 422 naming why, not a 500', async () => {
    const broken = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ name: 'not a snapshot', configSource: { type: 'snapshot-file', paths: ['README.md'] } }),
    );
    expect(broken.status, JSON.stringify(broken.body)).toBe(201);
    const fresh = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 8443, snapshot: 'fresh' }, broken.body.id);
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(422);
    expect(fresh.headers['content-type']).toMatch(/problem\+json/);
    expect(fresh.body).toMatchObject({ code: 'PATH.CONFIGURATION_UNREADABLE', reason: 'SNAPSHOT.UNREADABLE', targetId: broken.body.id });
    expect(fresh.body.detail).toMatch(/README\.md is not valid JSON/);
  });

  it('refuses bad questions with field-level problem+json, unknown targets with 404', async () => {
    const noPort = await ask({ from: BATCH, to: APP, protocol: 'tcp' });
    expect(noPort.status).toBe(400);
    expect(noPort.headers['content-type']).toMatch(/problem\+json/);
    expect(noPort.body.errors).toEqual([expect.objectContaining({ field: 'port' })]);

    const badFrom = await ask({ from: 'web server', to: APP, protocol: 'tcp', port: 1 });
    expect(badFrom.status).toBe(400);
    expect(JSON.stringify(badFrom.body.errors)).toContain('from');

    const badProtocol = await ask({ from: BATCH, to: APP, protocol: 'http', port: 80 });
    expect(badProtocol.status).toBe(400);
    expect(badProtocol.body.errors).toEqual([expect.objectContaining({ field: 'protocol' })]);

    const badPort = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 70000 });
    expect(badPort.status).toBe(400);

    expect((await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 1 }, 'not-a-uuid')).status).toBe(400);
    const missing = await ask({ from: BATCH, to: APP, protocol: 'tcp', port: 1 }, '00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('TARGET.NOT_FOUND');
  });
});
