import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';

/**
 * The methods some route takes at the request's path, as the router itself matches them (the
 * routes the app registered: Nest's controllers, the docs, the metrics, and the HEAD that Fastify
 * adds to every GET), in alphabetical order; empty when no route has the path.
 */
export function allowedMethodsAt(request: FastifyRequest): string[] {
  return allowedMethodsOn(request.server, request.url);
}

/** allowedMethodsAt for a path that reached no Fastify request (a CONNECT, which Node hands over as a bare socket). */
export function allowedMethodsOn(server: FastifyInstance, url: string): string[] {
  // A path segment left empty (`/v1/findings/`, `/v1/analyses//retry`) is an id of no route: the
  // router matches none there, though its route lookup would fill the parameter with nothing.
  if (hasEmptySegment(url)) return [];
  // Typed as always finding a route; the router answers null where none takes the method.
  const taken = (method: string) => (server.findRoute({ method: method as HTTPMethods, url }) as unknown) !== null;
  return server.supportedMethods.filter(taken).sort();
}

/** Whether the path (before its query) has an empty segment: two slashes in a row, or a trailing one. */
function hasEmptySegment(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path.length > 1 && (path.endsWith('/') || path.includes('//'));
}
