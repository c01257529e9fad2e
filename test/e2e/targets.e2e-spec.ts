import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient, GetTableMetadataCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowLogColumns, tableMetadata } from '../support/aws/athena-table-metadata';
import { createTestApp, type TestApp } from '../support/app/test-app';
import { ADMIN_KEY, api, sampleTargetBody } from '../support/app/analysis-api';
import { tempDataRoot } from '../support/app/temp-data-root';

describe('targets', () => {
  let testApp: TestApp;
  let data: ReturnType<typeof tempDataRoot>;
  const athenaMock = mockClient(AthenaClient);
  const server = () => testApp.app.getHttpServer();

  beforeAll(async () => {
    data = tempDataRoot();
    mkdirSync(join(data.root, 'nested'));
    symlinkSync('/etc', join(data.root, 'nested', 'escape'));
    symlinkSync(join(data.root, 'flows'), join(data.root, 'flows-link'));
    testApp = await createTestApp({ env: { SGDOCTOR_ADMIN_API_KEY: ADMIN_KEY, SGDOCTOR_DATA_ROOT: data.root } });
    // The Athena table a target is switched to below, as GetTableMetadata describes it.
    const v2 =
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
    athenaMock.on(GetTableMetadataCommand).resolves(tableMetadata('flow_logs', flowLogColumns(v2), [{ Name: 'day', Type: 'string' }]));
  });

  afterAll(async () => {
    athenaMock.restore();
    await testApp?.close();
    data?.remove();
  });

  it('creates, lists, reads, updates and deletes a target', async () => {
    const created = await api(server()).post('/v1/targets', sampleTargetBody({ scope: { vpcIds: ['vpc-0a1b2c3d4e5f67890'] } }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: 'samples',
      accountId: '111122223333',
      access: { type: 'default-chain' },
      scope: { vpcIds: ['vpc-0a1b2c3d4e5f67890'], subnetIds: [] },
      flowSource: { type: 'files', paths: ['flows'] },
      configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    });
    const id = created.body.id;
    expect((await api(server()).get('/v1/targets')).body.map((t: { id: string }) => t.id)).toContain(id);
    expect((await api(server()).get(`/v1/targets/${id}`)).body.id).toBe(id);

    const updated = await api(server()).patch(`/v1/targets/${id}`, {
      access: { type: 'assume-role', roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read', externalId: 'ext-123' },
      flowSource: {
        type: 'athena',
        database: 'vpc_logs',
        table: 'flow_logs',
        workgroup: 'primary',
        layout: { type: 'date-string', column: 'day', format: 'yyyy/MM/dd' },
      },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.access).toEqual({
      type: 'assume-role',
      roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read',
      externalId: 'ext-123',
    });
    expect(updated.body.flowSource).toMatchObject({ type: 'athena', database: 'vpc_logs', layout: { type: 'date-string', column: 'day' } });

    expect((await api(server()).delete(`/v1/targets/${id}`)).status).toBe(204);
    expect((await api(server()).get(`/v1/targets/${id}`)).status).toBe(404);
    expect((await api(server()).delete(`/v1/targets/${id}`)).body.code).toBe('TARGET.NOT_FOUND');
  });

  it.each([
    ['a parent segment', '../../etc/passwd', /\.\./],
    ['a parent segment inside', 'flows/../../outside', /\.\./],
    ['an absolute path outside the root', '/etc/passwd', /inside the data root/],
    ['a link out of the root', 'nested/escape/passwd', /outside the data root/],
    ['a missing file', 'nope.json', /does not exist/],
    ['a directory as a snapshot', 'flows', /must be a regular file/],
  ])('refuses %s with a 400 naming the field', async (_case, path, message) => {
    const response = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ configSource: { type: 'snapshot-file', paths: ['snapshot.json', path] } }),
    );
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(response.body.errors[0].field).toBe('configSource.paths[1]');
    expect(response.body.errors[0].message).toMatch(message);
  });

  it('accepts an absolute path inside the root and a link that stays inside, storing them relative', async () => {
    const response = await api(server()).post(
      '/v1/targets',
      sampleTargetBody({ flowSource: { type: 'files', paths: [join(data.root, 'flows'), 'flows-link'] } }),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.flowSource.paths).toEqual(['flows', 'flows-link']);
  });

  it('validates the body field by field', async () => {
    const response = await api(server()).post('/v1/targets', {
      accountId: '1234',
      region: 'moon-1',
      flowSource: { type: 'athena', database: 'x; DROP TABLE y', layout: { type: 'none' } },
      configSource: { type: 'snapshot-file' },
      extra: true,
    });
    expect(response.status).toBe(400);
    const fields = response.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['accountId', 'region', 'flowSource.database', 'flowSource.table', 'configSource.paths', 'extra']),
    );
  });

  it('refuses a setting of another kind of access or source instead of storing the target without it', async () => {
    const cases: Array<[overrides: Record<string, unknown>, field: string]> = [
      [{ access: { type: 'default-chain', roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read' } }, 'access.roleArn'],
      [{ access: { type: 'default-chain', externalId: 'trust-me' } }, 'access.externalId'],
      [{ flowSource: { type: 'files', paths: ['flows'], database: 'vpc_flow_logs', table: 'flow_logs' } }, 'flowSource.database'],
      [{ flowSource: { type: 'files', paths: ['flows'], bucket: 'shop-flow-logs' } }, 'flowSource.bucket'],
      [{ flowSource: { type: 'files', paths: ['flows'], logGroupName: '/vpc/flow-logs' } }, 'flowSource.logGroupName'],
      [{ configSource: { type: 'snapshot-file', paths: ['snapshot.json'], roleName: 'sgdoctor-read' } }, 'configSource.roleName'],
      [{ configSource: { type: 'ec2', paths: ['snapshot.json'] } }, 'configSource.paths'],
    ];
    for (const [overrides, field] of cases) {
      const response = await api(server()).post('/v1/targets', sampleTargetBody(overrides));
      expect(response.status, `${field}: ${JSON.stringify(response.body)}`).toBe(400);
      expect(
        response.body.errors.map((e: { field: string }) => e.field),
        field,
      ).toContain(field);
    }
    const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: 'kinds' }));
    expect(created.status).toBe(201);
    const patched = await api(server()).patch(`/v1/targets/${created.body.id}`, {
      flowSource: { type: 'files', paths: ['flows'], workgroup: 'primary' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(400);
    expect(patched.body.errors.map((e: { field: string }) => e.field)).toContain('flowSource.workgroup');
    // What every kind takes is still taken.
    const withFormat = await api(server()).patch(`/v1/targets/${created.body.id}`, {
      flowSource: {
        type: 'files',
        paths: ['flows'],
        logFormat:
          '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
      },
      access: { type: 'assume-role', roleArn: 'arn:aws:iam::111122223333:role/sgdoctor-read', externalId: 'trust-me' },
    });
    expect(withFormat.status, JSON.stringify(withFormat.body)).toBe(200);
    await api(server()).delete(`/v1/targets/${created.body.id}`);
  });

  it('stores an Athena flow source’s logDestination (an S3 ARN or s3:// URL) and refuses anything else', async () => {
    const athena = (logDestination?: unknown) => ({
      type: 'athena',
      database: 'vpc_logs',
      table: 'flow_logs',
      layout: { type: 'none' },
      ...(logDestination === undefined ? {} : { logDestination }),
    });
    for (const destination of [
      'arn:aws:s3:::shop-flow-logs-111122223333/vpc',
      'arn:aws-cn:s3:::shop-logs',
      's3://shop-flow-logs-111122223333/vpc/',
    ]) {
      const created = await api(server()).post(
        '/v1/targets',
        sampleTargetBody({ configSource: { type: 'ec2' }, flowSource: athena(destination) }),
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.flowSource).toMatchObject({ type: 'athena', logFormat: null, logDestination: destination });
      expect((await api(server()).get(`/v1/targets/${created.body.id}`)).body.flowSource.logDestination).toBe(destination);
    }
    const without = await api(server()).post('/v1/targets', sampleTargetBody({ configSource: { type: 'ec2' }, flowSource: athena() }));
    expect(without.status).toBe(201);
    expect(without.body.flowSource.logDestination).toBeNull();

    for (const destination of [
      'https://shop-logs.s3.amazonaws.com/vpc',
      'arn:aws:logs:eu-west-1:111122223333:log-group:vpc',
      's3://Shop_Logs/vpc',
      's3://x',
      'arn:aws:s3:::shop-logs/a b',
      42,
      `s3://shop-logs/${'p'.repeat(1100)}`,
    ]) {
      const refused = await api(server()).post(
        '/v1/targets',
        sampleTargetBody({ configSource: { type: 'ec2' }, flowSource: athena(destination) }),
      );
      expect(refused.status, String(destination)).toBe(400);
      expect(refused.body.code).toBe('REQUEST.VALIDATION_FAILED');
      expect(new Set(refused.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['flowSource.logDestination']));
    }
  });

  it('a target deleted while it is being changed stays deleted, and the changes that came too late get 404, never a 500', async () => {
    for (let round = 0; round < 8; round++) {
      const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: `deleted-${round}` }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id: string = created.body.id;
      const [deleted, ...changes] = await Promise.all([
        api(server()).delete(`/v1/targets/${id}`),
        ...Array.from({ length: 4 }, (_, i) => api(server()).patch(`/v1/targets/${id}`, { name: `renamed-${round}-${i}` })),
      ]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      for (const change of changes) {
        expect([200, 404], `${change.status} ${JSON.stringify(change.body)}`).toContain(change.status);
        if (change.status === 404) expect(change.body.code).toBe('TARGET.NOT_FOUND');
      }
      // A PATCH that came after the DELETE must not have written the target back.
      const after = await api(server()).get(`/v1/targets/${id}`);
      expect(after.status, `round ${round}: ${JSON.stringify(after.body)}`).toBe(404);
    }
  });

  it('an analysis asked for while its target is deleted is 404 TARGET.NOT_FOUND or queued before the DELETE, never a 500', async () => {
    for (let round = 0; round < 8; round++) {
      const created = await api(server()).post('/v1/targets', sampleTargetBody({ name: `analysed-${round}` }));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id: string = created.body.id;
      const [deleted, ...asked] = await Promise.all([
        api(server()).delete(`/v1/targets/${id}`),
        ...Array.from({ length: 4 }, () =>
          api(server()).post('/v1/analyses', { targetId: id, from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' }),
        ),
      ]);
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
      for (const answer of asked) {
        expect([202, 404, 409], `${answer.status} ${JSON.stringify(answer.body)}`).toContain(answer.status);
        if (answer.status === 404) expect(answer.body.code).toBe('TARGET.NOT_FOUND');
      }
    }
  });

  it('needs the write scope to change targets and the read scope to see them', async () => {
    const reader = await api(server()).post('/v1/api-keys', { name: 'reader', scopes: ['read'] });
    const readOnly = api(server(), reader.body.key);
    expect((await readOnly.get('/v1/targets')).status).toBe(200);
    const refused = await readOnly.post('/v1/targets', sampleTargetBody());
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('AUTH.FORBIDDEN');
    expect(
      (
        await readOnly.post('/v1/analyses', {
          targetId: '00000000-0000-4000-8000-000000000000',
          from: '2026-11-24T00:00:00Z',
          to: '2026-11-25T00:00:00Z',
        })
      ).status,
    ).toBe(403);
  });
});
