import type { z } from 'zod';
import { isRetryableHttpStatus } from '../../common/errors/retryability';
import type { HttpMethod, SafeHttpClient, SafeHttpResponse } from '../../outbound-http/safe-http-client';
import { IntegrationError } from '../../outbound-http/integration.errors';

export interface JsonRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** Sends JSON through the SSRF-safe client; a non-2xx answer becomes an IntegrationError. */
export async function sendJson(http: SafeHttpClient, system: string, req: JsonRequest): Promise<SafeHttpResponse> {
  const response = await http.request({
    url: req.url,
    method: req.method,
    headers: {
      accept: 'application/json',
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    },
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
  });
  if (response.status < 200 || response.status >= 300) {
    const snippet = response.body.toString('utf8').slice(0, 500);
    throw new IntegrationError('INTEGRATION.REMOTE_ERROR', `${system} answered ${response.status}: ${snippet}`, {
      status: response.status,
      system,
      retryable: isRetryableHttpStatus(response.status),
    });
  }
  return response;
}

/** Parses and validates a third-party JSON answer against the fields sgdoctor relies on. */
export function parseJson<T>(system: string, response: SafeHttpResponse, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw new IntegrationError('INTEGRATION.INVALID_RESPONSE', `${system} answered with invalid JSON`, { system }, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new IntegrationError('INTEGRATION.INVALID_RESPONSE', `${system} answer has an unexpected shape: ${parsed.error.message}`, {
      system,
    });
  }
  return parsed.data;
}

export function basicAuth(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** Base URL without a trailing slash, so paths can be appended safely. */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
