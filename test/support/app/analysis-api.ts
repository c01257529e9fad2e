import request from 'supertest';
import { expect } from 'vitest';

export const ADMIN_KEY = 'test-admin-key-analysis-0123456789abcdef01';
/** The bundled samples hold one day of flow logs. */
export const SAMPLE_WINDOW = { from: '2026-11-24T00:00:00Z', to: '2026-11-25T00:00:00Z' };

type Server = Parameters<typeof request>[0];

export function api(server: Server, key = ADMIN_KEY) {
  const auth = (test: request.Test) => test.set('authorization', `Bearer ${key}`);
  return {
    get: (path: string) => auth(request(server).get(path)),
    post: (path: string, body?: object) => auth(request(server).post(path)).send(body ?? {}),
    patch: (path: string, body: object) => auth(request(server).patch(path)).send(body),
    delete: (path: string) => auth(request(server).delete(path)),
  };
}

/** A target on the data root's sample files (flows/ and snapshot.json). */
export function sampleTargetBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'samples',
    accountId: '111122223333',
    region: 'eu-west-1',
    flowSource: { type: 'files', paths: ['flows'] },
    configSource: { type: 'snapshot-file', paths: ['snapshot.json'] },
    ...overrides,
  };
}

/** Polls an analysis until it leaves queued/running; returns its final representation. */
export async function waitForAnalysis(server: Server, id: string, timeoutMs = 90_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api(server).get(`/v1/analyses/${id}`);
    expect(response.status).toBe(200);
    if (!['queued', 'running'].includes(response.body.status)) return response.body;
    if (Date.now() > deadline)
      throw new Error(`analysis ${id} still ${response.body.status} (${response.body.stage}) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates an analysis of the sample window, waits for it, expects success. */
export async function analyse(server: Server, targetId: string, window = SAMPLE_WINDOW): Promise<Record<string, any>> {
  const created = await api(server).post('/v1/analyses', { targetId, ...window });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const done = await waitForAnalysis(server, created.body.id);
  expect(done.status, JSON.stringify(done.failure)).toBe('succeeded');
  return done;
}

/** Every finding of a target, following the cursor. */
export async function allFindings(server: Server, targetId: string, extra = ''): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const query: string = `targetId=${targetId}&limit=200${extra}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api(server).get(`/v1/findings?${query}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}
