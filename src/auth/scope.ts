/** API key scopes, each granting everything the ones before it grant. */
export const SCOPES = ['read', 'write', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

/** True when a key holding `held` may do what `required` protects (admin ⊃ write ⊃ read). */
export function scopeSatisfies(held: readonly Scope[], required: Scope): boolean {
  const needed = SCOPES.indexOf(required);
  return held.some((scope) => SCOPES.indexOf(scope) >= needed);
}

/** What a route without @RequireScope() needs: `read` to read (GET, HEAD, OPTIONS), `write` for anything else. */
export function defaultScopeOf(method: string): Scope {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase()) ? 'read' : 'write';
}
