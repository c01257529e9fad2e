import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../../../src/api-keys/api-key-secret';
import { assignRequestId } from '../../../src/common/logging/request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const request = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as IncomingMessage & { id?: string };

describe('assignRequestId', () => {
  it('keeps a sane id the caller sends, and stores it on the request', () => {
    const raw = request('trace-2026.12_07:abc-1');
    expect(assignRequestId(raw)).toBe('trace-2026.12_07:abc-1');
    expect(raw.id).toBe('trace-2026.12_07:abc-1');
  });

  it('makes a new one for none, for one too long, and for one with other characters', () => {
    expect(assignRequestId(request())).toMatch(UUID);
    expect(assignRequestId(request('a'.repeat(129)))).toMatch(UUID);
    expect(assignRequestId(request('a b'))).toMatch(UUID);
  });

  it('never keeps one that holds an API key, whole or cut short: it is logged and sent back', () => {
    const { key } = generateApiKey();
    expect(assignRequestId(request(key))).toMatch(UUID);
    expect(assignRequestId(request(`req-${key}`))).toMatch(UUID);
    expect(assignRequestId(request(key.slice(0, 24)))).toMatch(UUID);
    // Only the display prefix, which listings show, is no secret.
    expect(assignRequestId(request(key.slice(0, 16)))).toBe(key.slice(0, 16));
  });
});
