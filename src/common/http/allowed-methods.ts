import type { FastifyRequest, HTTPMethods } from 'fastify';

/**
 * The methods some route takes at the request's path, as the router itself matches them (the
 * routes the app registered: Nest's controllers, the docs, the metrics, and the HEAD that Fastify
 * adds to every GET), in alphabetical order; empty when no route has the path.
 */
export function allowedMethodsAt(request: FastifyRequest): string[] {
  const { server, url } = request;
  // Typed as always finding a route; the router answers null where none takes the method.
  const taken = (method: string) => (server.findRoute({ method: method as HTTPMethods, url }) as unknown) !== null;
  return server.supportedMethods.filter(taken).sort();
}
