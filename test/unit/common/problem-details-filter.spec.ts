import type { ArgumentsHost } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AnalysisInvalidStateError } from '../../../src/analyses/analysis-invalid-state.error';
import { AppError } from '../../../src/common/errors/app.error';
import { ErrorCode } from '../../../src/common/errors/error-code';
import { ProblemDetailsFilter, sendClientError } from '../../../src/common/http/problem-details.filter';
import { PassThrough } from 'node:stream';
import { WebhookDeliveryInvalidStateError } from '../../../src/webhooks/webhook-delivery-invalid-state.error';

/** What the filter writes for an exception, through a reply that records it. */
function problemFor(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: '' };
  const reply = {
    sent: false,
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header() {
      return reply;
    },
    send(body: string) {
      sent.body = body;
      return reply;
    },
  };
  const request = { url: '/v1/analyses/x/cancel', id: 'request-1' };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(exception, host);
  return { status: sent.status, body: JSON.parse(sent.body) as Record<string, unknown> };
}

describe('ProblemDetailsFilter', () => {
  it('keeps the standard members when an error adds members of the same names', () => {
    const { status, body } = problemFor(
      new AppError(ErrorCode.Conflict, 'taken', {
        status: 'succeeded',
        type: 'x',
        title: 'y',
        code: 'z',
        instance: 'i',
        requestId: 'r',
        detail: 'd',
        extra: 1,
      }),
    );
    expect(status).toBe(409);
    expect(body).toMatchObject({
      status: 409,
      code: ErrorCode.Conflict,
      type: 'urn:sgdoctor:problem:resource.conflict',
      detail: 'taken',
      instance: '/v1/analyses/x/cancel',
      requestId: 'request-1',
      extra: 1,
    });
  });

  it.each([
    ['an analysis that cannot be cancelled', new AnalysisInvalidStateError('a1', 'succeeded', 'cancelled'), 409],
    ['a delivery that cannot be redelivered', new WebhookDeliveryInvalidStateError('d1', 'pending', 'redelivered'), 409],
  ])('answers %s with the HTTP status in `status` and the resource state in `state`', (_case, error, expected) => {
    const { status, body } = problemFor(error);
    expect(status).toBe(expected);
    expect(body.status).toBe(expected);
    expect(body).toMatchObject({ id: expect.any(String), state: expect.any(String) });
  });
});

describe('sendClientError', () => {
  function written(code: string | undefined): { head: string; body: Record<string, unknown>; destroyed: boolean } {
    const socket = new PassThrough();
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    sendClientError(Object.assign(new Error('parse error'), { code }), socket);
    socket.read();
    const [head, body] = text.split('\r\n\r\n');
    return { head, body: JSON.parse(body) as Record<string, unknown>, destroyed: socket.destroyed };
  }

  it.each([
    ['HPE_HEADER_OVERFLOW', 431, ErrorCode.HeadersTooLarge],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, ErrorCode.RequestTimeout],
    ['HPE_INVALID_METHOD', 400, ErrorCode.BadRequest],
    [undefined, 400, ErrorCode.BadRequest],
  ])('answers the parser error %s with %i problem+json and closes the connection', (code, status, errorCode) => {
    const { head, body, destroyed } = written(code);
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
    expect(body).toMatchObject({
      status,
      code: errorCode,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(destroyed).toBe(true);
  });

  it('writes nothing to a connection the client reset', () => {
    const socket = new PassThrough();
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    sendClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), socket);
    expect(text).toBe('');
  });
});
