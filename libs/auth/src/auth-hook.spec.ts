import { parseHashedCredentials, sha256 } from '@pulse/config';
import Fastify, { type FastifyInstance } from 'fastify';
import { installTokenAuth } from './auth-hook';
import { TokenAuthenticator, withScopes } from './token-authenticator';

const hex = (secret: string) => sha256(secret).toString('hex');

describe('installTokenAuth', () => {
  let fastify: FastifyInstance;
  let bodiesRead: number;

  beforeEach(async () => {
    bodiesRead = 0;
    fastify = Fastify();
    fastify.addHook('preValidation', async () => {
      bodiesRead += 1;
    });
    installTokenAuth(fastify, {
      authenticator: new TokenAuthenticator<'read' | 'write'>({
        credentials: [
          ...withScopes(parseHashedCredentials(`viewer:${hex('r')}`, 'R', 'token'), ['read']),
          ...withScopes(parseHashedCredentials(`admin:${hex('w')}`, 'W', 'token'), ['read', 'write']),
        ],
        disabled: false,
        presentation: 'bearer',
        messages: { missing: 'send a token', invalid: 'bad token', outOfScope: (scope) => `needs ${scope}` },
      }),
      challenge: 'Bearer realm="test"',
      scopeOf: (request) => (request.method === 'GET' ? 'read' : 'write'),
    });
    fastify.get('/v1/things/:id', async (request) => ({ by: request.credentialName }));
    fastify.post('/v1/things', async (request) => ({ by: request.credentialName }));
    fastify.get('/health/live', async () => ({ ok: true }));
    await fastify.ready();
  });

  afterEach(() => fastify.close());

  it('answers 401 with a challenge, and 403, in the shared error shape', async () => {
    const none = await fastify.inject({ method: 'GET', url: '/v1/things/1' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="test"');
    expect(none.json()).toEqual({ error: 'unauthorized', message: 'send a token' });
    const wrong = await fastify.inject({
      method: 'GET',
      url: '/v1/things/1',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['www-authenticate']).toBeUndefined();
    expect(wrong.json()).toEqual({ error: 'forbidden', message: 'bad token' });
  });

  it('passes the credential name to the route and checks the scope the route needs', async () => {
    const read = await fastify.inject({
      method: 'GET',
      url: '/v1/things/1',
      headers: { authorization: 'Bearer r' },
    });
    expect(read.json()).toEqual({ by: 'viewer' });
    const post = (token: string) =>
      fastify.inject({
        method: 'POST',
        url: '/v1/things',
        headers: { authorization: `Bearer ${token}` },
        payload: {},
      });
    const refused = await post('r');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: 'forbidden', message: 'needs write' });
    expect(bodiesRead).toBe(1);
    expect((await post('w')).json()).toEqual({ by: 'admin' });
  });

  it('decides on the matched route: odd spellings are protected, other routes are open', async () => {
    expect((await fastify.inject({ method: 'GET', url: '/v1/things/%31' })).statusCode).toBe(401);
    expect((await fastify.inject({ method: 'GET', url: '/v1//things/1' })).statusCode).not.toBe(200);
    expect((await fastify.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await fastify.inject({ method: 'GET', url: '/v1/unknown' })).statusCode).toBe(404);
  });
});
