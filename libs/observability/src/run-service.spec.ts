import { Controller, Get, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from './health';
import { LOGGER, SERVICE_NAME } from './observability.module';
import { createService, type RunningService, type ServiceSettings } from './run-service';
import type { Logger } from './logger';

/** How often Swagger's module was loaded (on `globalThis`: the mock factory runs before this file's own bindings exist). */
const SWAGGER_LOADS = 'pulseSwaggerLoads';
jest.mock('@nestjs/swagger', () => {
  const counters = globalThis as unknown as Record<string, number>;
  counters.pulseSwaggerLoads = (counters.pulseSwaggerLoads ?? 0) + 1;
  return jest.requireActual<object>('@nestjs/swagger');
});
const swaggerLoads = (): number => (globalThis as unknown as Record<string, number>)[SWAGGER_LOADS] ?? 0;

const settings: ServiceSettings = {
  PULSE_HTTP_HOST: '127.0.0.1',
  PULSE_HTTP_PORT: 0,
  PULSE_LOG_LEVEL: 'silent',
  PULSE_SHUTDOWN_TIMEOUT: 5_000,
  PULSE_HEAP_GROWTH_PERCENT: 0,
  PULSE_IDLE_MEMORY_RELEASE: 30_000,
};

/** What the tiny service's dependency reports; tests flip it. */
const dependency = { ready: true, alive: true };

@Controller('probe')
class ProbeController {
  constructor(
    @Inject(SERVICE_NAME) private readonly serviceName: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  probe(): { service: string; hasLogger: boolean } {
    return { service: this.serviceName, hasLogger: typeof this.logger.info === 'function' };
  }
}

@Injectable()
class Dependency implements OnModuleInit {
  constructor(private readonly health: HealthRegistry) {}

  onModuleInit(): void {
    this.health.register('dependency', {
      kind: 'readiness',
      check: () => ({ ok: dependency.ready, detail: dependency.ready ? 'connected' : 'unreachable' }),
    });
    this.health.register('loop', { kind: 'liveness', check: () => ({ ok: dependency.alive }) });
  }
}

@Module({ controllers: [ProbeController], providers: [Dependency] })
class TinyModule {}

describe('createService', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await createService({ serviceName: 'tiny', module: TinyModule, settings });
  });
  afterAll(async () => {
    await service?.close();
  });
  beforeEach(() => {
    dependency.ready = true;
    dependency.alive = true;
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, { headers });

  it('listens on the ephemeral port it was given and reports the bound URL', () => {
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.url.endsWith(':0')).toBe(false);
  });

  it('serves the module’s own routes with the service name and logger injected', async () => {
    const response = await get('/probe');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ service: 'tiny', hasLogger: true });
  });

  it('answers /health/live with 200 while liveness checks pass, 503 when one fails', async () => {
    const ok = await get('/health/live');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    // Liveness ignores readiness checks: a dependency outage must not restart the pod.
    dependency.ready = false;
    expect((await get('/health/live')).status).toBe(200);
    expect(await (await get('/health/live')).json()).toEqual({
      status: 'ok',
      checks: { loop: { ok: true } },
    });

    dependency.alive = false;
    const dead = await get('/health/live');
    expect(dead.status).toBe(503);
    expect(await dead.json()).toEqual({ status: 'unavailable', checks: { loop: { ok: false } } });
  });

  it('answers /health/ready with 200 when every check passes and 503 when a registered check fails', async () => {
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { dependency: { ok: true, detail: 'connected' }, loop: { ok: true } },
    });

    dependency.ready = false;
    const notReady = await get('/health/ready');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'unavailable',
      checks: { dependency: { ok: false, detail: 'unreachable' }, loop: { ok: true } },
    });
  });

  it('serves Prometheus metrics that count requests per route template', async () => {
    await get('/probe');
    await get('/no-such-route');
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE pulse_http_requests_total counter');
    expect(text).toMatch(
      /pulse_http_requests_total\{method="GET",route="\/probe",status_code="200",pulse_service="tiny"\} [1-9]\d*/,
    );
    expect(text).toMatch(
      /pulse_http_requests_total\{method="GET",route="unmatched",status_code="404",pulse_service="tiny"\} 1/,
    );
    expect(text).toContain('pulse_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total{pulse_service="tiny"}');
    expect(text).toMatch(/pulse_memory_releases_total\{reason="start-up",pulse_service="tiny"\} 1\n/);
  });

  it('echoes the caller’s x-request-id and makes one up otherwise', async () => {
    const echoed = await get('/probe', { 'x-request-id': 'req-from-gateway-1' });
    expect(echoed.headers.get('x-request-id')).toBe('req-from-gateway-1');
    const generated = await get('/probe');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const another = await get('/probe');
    expect(another.headers.get('x-request-id')).not.toBe(generated.headers.get('x-request-id'));
  });

  it('fails readiness once shutting down', async () => {
    service.app.get(HealthRegistry).markShuttingDown();
    const response = await get('/health/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      checks: { shutdown: { ok: false, detail: 'shutting down' } },
    });
    expect((await get('/health/live')).status).toBe(200);
  });
});

describe('createService with a dynamic module', () => {
  it('accepts AppModule.forRoot(config)-style modules and keeps apps apart', async () => {
    const first = await createService({
      serviceName: 'dynamic',
      module: { module: TinyModule, providers: [{ provide: 'CONFIG', useValue: { answer: 42 } }] },
      settings,
    });
    const second = await createService({ serviceName: 'other', module: TinyModule, settings });
    try {
      expect(first.app.get('CONFIG')).toEqual({ answer: 42 });
      expect(await (await fetch(`${first.url}/probe`)).json()).toMatchObject({ service: 'dynamic' });
      expect(await (await fetch(`${second.url}/probe`)).json()).toMatchObject({ service: 'other' });
      expect(first.url).not.toBe(second.url);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('createService and OpenAPI', () => {
  it('loads Swagger only for a service that has an API to document', async () => {
    const worker = await createService({ serviceName: 'worker', module: TinyModule, settings });
    try {
      expect(swaggerLoads()).toBe(0);
      expect((await fetch(`${worker.url}/docs-json`)).status).toBe(404);
    } finally {
      await worker.close();
    }

    const api = await createService({
      serviceName: 'api',
      module: TinyModule,
      settings,
      openApi: { title: 'Tiny', description: 'a tiny API', authentication: ['api-key'] },
    });
    try {
      expect(swaggerLoads()).toBe(1);
      const document = (await (await fetch(`${api.url}/docs-json`)).json()) as {
        info: { title: string };
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(document.info.title).toBe('Tiny');
      expect(document.components.securitySchemes).toHaveProperty('api-key');
    } finally {
      await api.close();
    }
  });
});
