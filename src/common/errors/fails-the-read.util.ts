/** Errors of a byte source that fail the whole read (see failsTheRead). */
const failingTheRead = new WeakSet<object>();

/**
 * Marks an error a flow input's byte source raises while it is read as one that fails the whole
 * read, instead of the input being named in `readErrors` and the others read on: a store that
 * stopped answering mid-object (a connection reset) says nothing about the input, and a later read
 * may get all of it. Returns the error, for rethrowing.
 */
export function failsTheRead<E>(error: E): E {
  if (typeof error === 'object' && error !== null) failingTheRead.add(error);
  return error;
}

/** Whether `error` was marked by failsTheRead. */
export function isFailingTheRead(error: unknown): boolean {
  return typeof error === 'object' && error !== null && failingTheRead.has(error);
}
