/** Header and field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.adminApiKey',
  '*.apiToken',
  '*.externalId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.credentials',
  '*.webhookUrl',
];

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/gi;

/**
 * Query parameters that carry a credential: an API key sent as `?api_key=` (which the API does
 * not accept, but a client may try), tokens, secrets, passwords, signatures, a role's external
 * id, a session, a private key, and the access key id of a presigned URL (`X-Amz-Credential`,
 * or `AWSAccessKeyId` in the older form).
 */
const SECRET_QUERY_PARAMETERS =
  /([?&](?:[a-z0-9_.-]*[-_.])?(?:api[-_]?key|apikey|key|token|access[-_]?token|(?:aws)?access[-_]?key(?:[-_]?id)?|secret|password|passwd|signature|sig|auth|authorization|external[-_]?id|credentials?|jwt|bearer|session|private[-_]?key)=)[^&#\s"']*/gi;

/**
 * `postgres://user:secret@host` → `postgres://user:[REDACTED]@host` and
 * `/v1/findings?api_key=…` → `/v1/findings?api_key=[REDACTED]`, anywhere in a string.
 */
export function redactUrlCredentials(value: string): string {
  return value.replace(URL_CREDENTIALS, '$1[REDACTED]@').replace(SECRET_QUERY_PARAMETERS, '$1[REDACTED]');
}

/** Applies redactUrlCredentials to every string in a log object (bounded depth, no cycles). */
export function redactUrlCredentialsDeep<T>(value: T, depth = 4, seen = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (depth === 0 || typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  // Errors go to pino's own serializer untouched (a copy would lose message and stack).
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactUrlCredentialsDeep(item, depth - 1, seen)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = redactUrlCredentialsDeep(item, depth - 1, seen);
  }
  return copy as T;
}
