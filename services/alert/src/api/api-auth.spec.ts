import { createHash } from 'node:crypto';
import { Module } from '@nestjs/common';
import { loadConfig } from '@pulse/config';
import { createService, type RunningService } from '@pulse/observability';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { schema } from '../config';
import { RuleBook } from '../rules/rule-book';
import { alertServiceOptions } from '../service';
import { SilenceStore, type SilenceView } from '../manage-silences/silence-store';
import { AlertStateStore } from '../state/alert-state-store';
import { AlertsController } from './alerts.controller';
import { RulesController } from './rules.controller';
import { SilencesController } from './silences.controller';

const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';
const sha = (value: string) => createHash('sha256').update(value).digest('hex');

const SILENCE: SilenceView = {
  id: 's-1',
  matchers: [{ name: 'rule', value: '.*', isRegex: true, isEqual: true }],
  startsAt: '2026-11-24T12:00:00.000Z',
  endsAt: '2026-11-24T14:00:00.000Z',
  createdBy: 'ops',
  comment: 'INC-1',
  createdAt: '2026-11-24T12:00:00.000Z',
  updatedAt: '2026-11-24T12:00:00.000Z',
  state: 'active',
};

/** The API's controllers over in-memory stores: the HTTP surface of the service without Kafka. */
@Module({
  controllers: [SilencesController, RulesController, AlertsController],
  providers: [
    {
      provide: SilenceStore,
      useValue: {
        create: async () => SILENCE,
        expire: async (id: string) => (id === SILENCE.id ? { ...SILENCE, state: 'expired' } : undefined),
        get: (id: string) => (id === SILENCE.id ? SILENCE : undefined),
        list: () => [SILENCE],
        silencing: () => [],
      },
    },
    { provide: AlertStateStore, useValue: { firing: () => [] } },
    { provide: RuleBook, useValue: { rules: () => [], status: () => ({ file: 'rules.yaml' }) } },
  ],
})
class ApiOnlyModule {}

const NEW_SILENCE = {
  matchers: [{ name: 'rule', value: '.*', isRegex: true }],
  duration: '2h',
  createdBy: 'ops',
  comment: 'INC-1',
};

describe('alert API authentication', () => {
  let service: RunningService;
  let fastify: FastifyInstance;

  async function start(env: Record<string, string>): Promise<void> {
    const config = {
      ...loadConfig(schema, { PULSE_LOG_LEVEL: 'error', ...env }),
      PULSE_HTTP_HOST: '127.0.0.1',
      PULSE_HTTP_PORT: 0,
    };
    // The service's own HTTP setup (auth hook, OpenAPI), with the API-only module.
    service = await createService({ ...alertServiceOptions(config), module: ApiOnlyModule });
    fastify = service.app.getHttpAdapter().getInstance() as FastifyInstance;
  }

  const call = (method: InjectOptions['method'], url: string, token?: string, payload?: unknown) =>
    fastify.inject({
      method,
      url,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  afterEach(() => service?.close());

  describe('with read and write tokens', () => {
    beforeEach(() =>
      start({
        PULSE_ALERT_READ_TOKENS: `grafana:${sha(READ)}`,
        PULSE_ALERT_WRITE_TOKENS: `oncall:${sha(WRITE)}`,
      }),
    );

    const routes: { method: InjectOptions['method']; url: string; payload?: unknown }[] = [
      { method: 'POST', url: '/v1/silences', payload: NEW_SILENCE },
      { method: 'DELETE', url: '/v1/silences/s-1' },
      { method: 'GET', url: '/v1/silences' },
      { method: 'GET', url: '/v1/silences/s-1' },
      { method: 'GET', url: '/v1/alerts/active' },
      { method: 'GET', url: '/v1/rules' },
    ];

    it.each(routes)(
      '$method $url: 401 without a token, 403 with a wrong one',
      async ({ method, url, payload }) => {
        const none = await call(method, url, undefined, payload);
        expect(none.statusCode).toBe(401);
        expect(none.headers['www-authenticate']).toBe('Bearer realm="pulse-alert"');
        expect(none.json()).toEqual({
          error: 'unauthorized',
          message: 'a token is required: send Authorization: Bearer <token>',
        });
        const wrong = await call(method, url, 'not-a-token', payload);
        expect(wrong.statusCode).toBe(403);
        expect(wrong.json()).toEqual({ error: 'forbidden', message: 'the token is not valid' });
        // The digest is not the token.
        expect((await call(method, url, sha(WRITE), payload)).statusCode).toBe(403);
      },
    );

    it('lets a read token read but not create or expire silences', async () => {
      expect((await call('GET', '/v1/silences', READ)).statusCode).toBe(200);
      expect((await call('GET', '/v1/silences/s-1', READ)).statusCode).toBe(200);
      expect((await call('GET', '/v1/alerts/active', READ)).json()).toEqual({ alerts: [] });
      expect((await call('GET', '/v1/rules', READ)).statusCode).toBe(200);
      for (const [method, url, payload] of [
        ['POST', '/v1/silences', NEW_SILENCE],
        ['DELETE', '/v1/silences/s-1', undefined],
      ] as const) {
        const refused = await call(method, url, READ, payload);
        expect(refused.statusCode).toBe(403);
        expect(refused.json()).toEqual({
          error: 'forbidden',
          message: 'this token may only read: creating or expiring silences needs a write token',
        });
      }
    });

    it('lets a write token manage silences and read', async () => {
      const created = await call('POST', '/v1/silences', WRITE, NEW_SILENCE);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 's-1' });
      expect((await call('DELETE', '/v1/silences/s-1', WRITE)).json()).toMatchObject({ state: 'expired' });
      expect((await call('GET', '/v1/silences', WRITE)).statusCode).toBe(200);
      expect((await call('GET', '/v1/alerts/active', WRITE)).statusCode).toBe(200);
    });

    it('leaves health, metrics and the API docs open, and declares the bearer token in them', async () => {
      expect((await call('GET', '/health/live')).statusCode).toBe(200);
      expect((await call('GET', '/metrics')).statusCode).toBe(200);
      const docs = await call('GET', '/docs-json');
      expect(docs.statusCode).toBe(200);
      const post = docs.json().paths['/v1/silences'].post;
      expect(post.security).toEqual([{ bearer: [] }]);
      // The scheme the operations name is declared, so clients and Swagger UI can use it.
      expect(docs.json().components.securitySchemes).toEqual({
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      });
      expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['401', '403']));
    });
  });

  describe('configuration', () => {
    it('refuses to start without a write token unless auth is disabled; read tokens are optional', () => {
      expect(() => loadConfig(schema, {})).toThrow(
        'Invalid configuration: PULSE_ALERT_WRITE_TOKENS_FILE must name a file with at least one "name:sha256hex" line',
      );
      const writeOnly = loadConfig(schema, { PULSE_ALERT_WRITE_TOKENS: `oncall:${sha(WRITE)}` });
      expect(writeOnly.PULSE_ALERT_READ_TOKENS).toEqual([]);
      expect(loadConfig(schema, { PULSE_AUTH_DISABLED: 'true' }).PULSE_ALERT_WRITE_TOKENS).toEqual([]);
    });

    it('lets anyone in when auth is disabled', async () => {
      await start({ PULSE_AUTH_DISABLED: 'true' });
      expect((await call('POST', '/v1/silences', undefined, NEW_SILENCE)).statusCode).toBe(201);
    });
  });
});
