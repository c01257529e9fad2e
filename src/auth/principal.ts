import type { Scope } from './scope';

/** Who is calling: the API key a request authenticated with. */
export interface Principal {
  keyId: string;
  name: string;
  scopes: Scope[];
}

/** The Fastify request property the guard fills in. */
export const PRINCIPAL_PROPERTY = 'principal';

export type RequestWithPrincipal = { [PRINCIPAL_PROPERTY]?: Principal };
