/** How long a process that has finished may take to end on its own before it is made to. */
export const EXIT_FALLBACK_MS = 5_000;

/**
 * Ends the process with `code` once nothing is left to run, as a process whose work is done ends
 * by itself, and only if something still holds it after `fallbackMs` with `process.exit`.
 *
 * `process.exit` shuts V8's platform down while the isolate is still alive: a background compile
 * job (Maglev, Sparkplug) that is waiting for a collection on the main thread then waits forever,
 * and so does the exit that joins it (nodejs/node#54918, seen here in about one of ten runs of
 * `openapi:check` on Node 24). Ending on its own, the process disposes of the isolate first,
 * which releases such jobs. The fallback timer does not itself keep the process alive.
 */
export function exitWhenDrained(code: number, fallbackMs = EXIT_FALLBACK_MS): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), fallbackMs).unref();
}
