import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Counter } from 'prom-client';
import { createMetricsRegistry, memoryLimitOf } from './metrics';

describe('createMetricsRegistry', () => {
  it('collects the default process and Node.js metrics under their standard names, labelled with the service', async () => {
    const registry = createMetricsRegistry('ingestion');
    const text = await registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{pulse_service="ingestion"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{pulse_service="ingestion"\} /m);
    // No `service` label: a ServiceMonitor's `service` target label would turn it into exported_service.
    expect(text).not.toMatch(/[{,]service="/);
    // Pulse's own names keep the prefix; prom-client's standard ones do not get it.
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]);
    expect(names.filter((name) => name?.startsWith('pulse_')).sort()).toEqual([
      'pulse_nodejs_heap_size_limit_bytes',
      'pulse_process_memory_limit_bytes',
    ]);
  });

  it("reports V8's heap limit beside the heap in use, for the heap-near-limit alert", async () => {
    const text = await createMetricsRegistry('aggregation').metrics();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{pulse_service="aggregation"\\} (\\d+)`, 'm').exec(text)?.[1]);
    const limit = value('pulse_nodejs_heap_size_limit_bytes');
    expect(limit).toBe(getHeapStatistics().heap_size_limit);
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThan(limit);
  });

  it("reports the process's memory limit, 0 when it has none, for the memory-near-limit alert", async () => {
    const text = await createMetricsRegistry('enrichment').metrics();
    const limit = /^pulse_process_memory_limit_bytes\{pulse_service="enrichment"\} (\d+)$/m.exec(text)?.[1];
    expect(limit).toBe(String(memoryLimitOf(process.constrainedMemory(), totalmem())));
    expect(text).toMatch(/^process_resident_memory_bytes\{pulse_service="enrichment"\} \d+$/m);
  });

  it('takes a cgroup limit below the machine memory as the limit, anything else as none', () => {
    const machine = 24 * 2 ** 30;
    expect(memoryLimitOf(2 ** 30, machine)).toBe(2 ** 30);
    expect(memoryLimitOf(0, machine)).toBe(0);
    // cgroup v1 "unlimited": 2^64 - 1, as a double.
    expect(memoryLimitOf(18446744073709552000, machine)).toBe(0);
    expect(memoryLimitOf(machine, machine)).toBe(0);
  });

  it('gives every app a registry of its own, so one process can hold several', async () => {
    const first = createMetricsRegistry('a');
    const second = createMetricsRegistry('b');
    const make = (registry: typeof first) =>
      new Counter({ name: 'pulse_things_total', help: 'things', registers: [registry] });
    make(first).inc(2);
    make(second).inc(5);
    expect(await first.metrics()).toContain('pulse_things_total{pulse_service="a"} 2');
    expect(await second.metrics()).toContain('pulse_things_total{pulse_service="b"} 5');
  });
});
