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

/**
 * The password of a URL's user information (`scheme://user:password@`). Matched from the `://`,
 * not from the scheme: a pattern that starts with the scheme's letters is tried again at every
 * letter of a long run of them and scans the run each time, so a 16 KiB request path of letters
 * (which every request's log line and problem `instance` go through, before any API key is
 * checked) cost seconds of the event loop. From `://`, each part of the text is scanned at most
 * once; the scheme is kept as it is either way.
 */
const URL_CREDENTIALS = /(:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/g;

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
