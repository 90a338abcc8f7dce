import { HealthRegistry } from './health';

describe('HealthRegistry', () => {
  it('is ready and alive with no checks', async () => {
    const registry = new HealthRegistry();
    expect(await registry.evaluate('readiness')).toEqual({ ok: true, checks: {} });
    expect(await registry.evaluate('liveness')).toEqual({ ok: true, checks: {} });
  });

  it('counts every check for readiness and only liveness checks for liveness', async () => {
    const registry = new HealthRegistry();
    registry.register('kafka-consumer', {
      kind: 'readiness',
      check: () => ({ ok: false, detail: { state: 'joining' } }),
    });
    registry.register('event-loop', { kind: 'liveness', check: async () => ({ ok: true }) });
    expect(await registry.evaluate('readiness')).toEqual({
      ok: false,
      checks: { 'kafka-consumer': { ok: false, detail: { state: 'joining' } }, 'event-loop': { ok: true } },
    });
    expect(await registry.evaluate('liveness')).toEqual({ ok: true, checks: { 'event-loop': { ok: true } } });
  });

  it('turns a check that throws into a failed check with its message', async () => {
    const registry = new HealthRegistry();
    registry.register('influx', {
      kind: 'readiness',
      check: async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:8086');
      },
    });
    expect(await registry.evaluate('readiness')).toEqual({
      ok: false,
      checks: { influx: { ok: false, detail: 'ECONNREFUSED 127.0.0.1:8086' } },
    });
  });

  it('replaces a check registered again under the same name', async () => {
    const registry = new HealthRegistry();
    registry.register('table', { kind: 'readiness', check: () => ({ ok: false }) });
    registry.register('table', { kind: 'readiness', check: () => ({ ok: true }) });
    expect(await registry.evaluate('readiness')).toEqual({ ok: true, checks: { table: { ok: true } } });
  });

  it('fails readiness, not liveness, once shutting down', async () => {
    const registry = new HealthRegistry();
    registry.register('loop', { kind: 'liveness', check: () => ({ ok: true }) });
    registry.markShuttingDown();
    expect(await registry.evaluate('readiness')).toEqual({
      ok: false,
      checks: { loop: { ok: true }, shutdown: { ok: false, detail: 'shutting down' } },
    });
    expect((await registry.evaluate('liveness')).ok).toBe(true);
  });
});
