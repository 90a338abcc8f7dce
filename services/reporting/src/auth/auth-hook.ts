import type { FastifyInstance } from 'fastify';
import type { ReadTokenAuthenticator } from './read-tokens';

/** Routes under this prefix need a read token; health, metrics and the OpenAPI docs do not. */
const PROTECTED_PREFIX = '/v1/';

/** Checks the read token on the matched route (not the raw URL, which odd spellings could dodge). */
export function installReadTokenAuth(fastify: FastifyInstance, authenticator: ReadTokenAuthenticator): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || !route.startsWith(PROTECTED_PREFIX)) return;
    const outcome = authenticator.authenticate(request.headers.authorization);
    if (outcome.ok) return;
    if (outcome.status === 401) void reply.header('www-authenticate', 'Bearer realm="pulse-reporting"');
    await reply
      .status(outcome.status)
      .send({ error: outcome.status === 401 ? 'unauthorized' : 'forbidden', message: outcome.message });
    return reply;
  });
}
