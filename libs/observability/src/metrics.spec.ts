import { getHeapStatistics } from 'node:v8';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics';

describe('createMetricsRegistry', () => {
  it('collects the default process metrics under the pulse_ prefix, labelled with the service', async () => {
    const registry = createMetricsRegistry('ingestion');
    const text = await registry.metrics();
    expect(text).toMatch(/^pulse_process_cpu_user_seconds_total\{service="ingestion"\} /m);
    expect(text).toContain('pulse_nodejs_eventloop_lag_seconds');
  });

  it("reports V8's heap limit beside the heap in use, for the heap-near-limit alert", async () => {
    const text = await createMetricsRegistry('aggregation').metrics();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{service="aggregation"\\} (\\d+)`, 'm').exec(text)?.[1]);
    const limit = value('pulse_nodejs_heap_size_limit_bytes');
    expect(limit).toBe(getHeapStatistics().heap_size_limit);
    expect(value('pulse_nodejs_heap_size_used_bytes')).toBeLessThan(limit);
  });

  it('gives every app a registry of its own, so one process can hold several', async () => {
    const first = createMetricsRegistry('a');
    const second = createMetricsRegistry('b');
    const make = (registry: typeof first) =>
      new Counter({ name: 'pulse_things_total', help: 'things', registers: [registry] });
    make(first).inc(2);
    make(second).inc(5);
    expect(await first.metrics()).toContain('pulse_things_total{service="a"} 2');
    expect(await second.metrics()).toContain('pulse_things_total{service="b"} 5');
  });
});
