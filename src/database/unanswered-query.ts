import { Client } from 'pg';

/** What pg rejects a query with when no answer came within its `query_timeout`. */
export const UNANSWERED_QUERY_MESSAGE = 'Query read timeout';

/**
 * How long a pooled connection waits for the answer to a query: half as long again as the
 * server's own statement_timeout, which ends any statement that runs that long and answers with
 * an error. No answer by then means the server is not answering at all (its host hangs, the
 * network drops packets) while the connection stays open, and the query would wait for ever.
 * Undefined (no limit) when the statement timeout is off.
 */
export function unansweredQueryTimeoutMs(statementTimeoutMs: number): number | undefined {
  return statementTimeoutMs > 0 ? Math.ceil(statementTimeoutMs * 1.5) : undefined;
}

function closeOnUnanswered(client: Client, error: unknown): void {
  if (error instanceof Error && error.message === UNANSWERED_QUERY_MESSAGE) client.connection.stream.destroy();
}

/**
 * The pool's client: pg's, except that a query abandoned for want of an answer (`query_timeout`)
 * closes its connection. pg rejects the query but leaves the connection waiting for its answer,
 * so every later query on it would queue behind one that may never end; closed, the connection
 * errors out of the pool, and the next query opens a fresh one.
 */
export class UnansweredQueryClosingClient extends Client {}

const query = Client.prototype.query;
UnansweredQueryClosingClient.prototype.query = function queryClosingOnUnanswered(this: Client, ...args: unknown[]): unknown {
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback === 'function') {
    args[last] = (error: unknown, ...rest: unknown[]) => {
      closeOnUnanswered(this, error);
      return (callback as (...values: unknown[]) => unknown)(error, ...rest);
    };
  }
  const result = (query as (...values: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) {
    result.catch((error: unknown) => closeOnUnanswered(this, error));
  } else if (result && typeof (result as { once?: unknown }).once === 'function' && typeof callback !== 'function') {
    // A submitted query (COPY) reports the timeout as its 'error' event.
    (result as NodeJS.EventEmitter).once('error', (error: unknown) => closeOnUnanswered(this, error));
  }
  return result;
} as typeof query;
