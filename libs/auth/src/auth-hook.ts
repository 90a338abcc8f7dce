import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenAuthenticator } from './token-authenticator';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the credential the request authenticated with ('anonymous' when auth is disabled). */
    credentialName: string;
  }
}

/** Routes under this prefix need a credential; health, metrics and the OpenAPI docs do not. */
export const PROTECTED_PREFIX = '/v1/';

export interface TokenAuthOptions<S extends string> {
  authenticator: TokenAuthenticator<S>;
  /** WWW-Authenticate header of a 401 answer, e.g. `Bearer realm="pulse"`. */
  challenge: string;
  /** The scope a protected route needs; undefined (or absent) = any valid credential. */
  scopeOf?: (request: FastifyRequest) => S | undefined;
}

/**
 * Checks the credential in `onRequest`, before the body is read, so unauthenticated clients cannot
 * make the service parse large bodies. Decides on the matched route, not the raw URL, so an
 * encoded or odd spelling of a path cannot slip past. Refusals answer
 * `{ error: 'unauthorized' | 'forbidden', message }`.
 */
export function installTokenAuth<S extends string>(
  fastify: FastifyInstance,
  options: TokenAuthOptions<S>,
): void {
  fastify.decorateRequest('credentialName', '');
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || !route.startsWith(PROTECTED_PREFIX)) return;
    const result = options.authenticator.authenticate(request.headers, options.scopeOf?.(request));
    if (result.ok) {
      request.credentialName = result.name;
      return;
    }
    if (result.status === 401) void reply.header('www-authenticate', options.challenge);
    await reply
      .status(result.status)
      .send({ error: result.status === 401 ? 'unauthorized' : 'forbidden', message: result.message });
    return reply;
  });
}
