import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the request being handled, for every log line written while it is: the logger's
 * mixin (LoggingModule) reads it, so no logger is made per request, and a request whose lines
 * are all below the log level costs no logging work beyond this store.
 */
export const requestContext = new AsyncLocalStorage<string>();

/** The fields a log line written within a request gets (pino's `mixin`): `reqId`. */
export function requestLogFields(): { reqId?: string } {
  const reqId = requestContext.getStore();
  return reqId === undefined ? {} : { reqId };
}
