import type { FastifyInstance } from 'fastify';
import type { ApiKeyAuthenticator } from './api-keys';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the API key the request authenticated with ('anonymous' when auth is disabled). */
    apiKeyName: string;
  }
}

/** Routes under this prefix need an API key; health, metrics and docs do not. */
const PROTECTED_PREFIX = '/v1/';

/**
 * Checks the API key before the body is read, so unauthenticated clients cannot make the
 * service parse large bodies. Decides on the matched route, not the raw URL, so an encoded or
 * odd spelling of a path cannot slip past.
 */
export function installApiKeyAuth(fastify: FastifyInstance, authenticator: ApiKeyAuthenticator): void {
  fastify.decorateRequest('apiKeyName', '');
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || !route.startsWith(PROTECTED_PREFIX)) return;
    const result = authenticator.authenticate(request.headers);
    if (result.ok) {
      request.apiKeyName = result.keyName;
      return;
    }
    if (result.status === 401)
      void reply.header('www-authenticate', 'Bearer realm="pulse", ApiKey header="x-api-key"');
    await reply
      .status(result.status)
      .send({ error: result.status === 401 ? 'unauthorized' : 'forbidden', message: result.message });
    return reply;
  });
}
