import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The label naming the Pulse service on every sample. Not `service`: a ServiceMonitor scrape sets
 * `service` (the Kubernetes Service) as a target label, and Prometheus renames a clashing scraped
 * label to `exported_service`. Being Pulse's own, this one never clashes with target labels or
 * relabelled pod labels, and it stays the same whatever the release is called.
 */
export const SERVICE_LABEL = 'pulse_service';

/** One registry per app (never the global one), so tests can build many apps in one process. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ [SERVICE_LABEL]: service });
  // No prefix: `process_*` and `nodejs_*` are the names every client library and dashboard uses.
  collectDefaultMetrics({ register: registry });
  // prom-client reports the heap in use but not V8's limit, so "how close to a heap-out-of-memory
  // crash" (the PulseHeapNearLimit alert) needs this one. The limit follows --max-old-space-size
  // (the Helm chart sets it from the container's memory limit).
  new Gauge({
    name: 'pulse_nodejs_heap_size_limit_bytes',
    help: 'V8 heap size limit (bytes): the process aborts with "heap out of memory" when live data reaches it',
    registers: [registry],
    collect() {
      this.set(getHeapStatistics().heap_size_limit);
    },
  });
  // The heap is only part of a process's memory (aggregation keeps its dedupe ids, and every
  // service its Kafka buffers, outside it); the container is OOM-killed on its resident memory.
  // With this limit beside prom-client's resident memory the PulseMemoryNearLimit alert needs no
  // cAdvisor or kube-state-metrics.
  new Gauge({
    name: 'pulse_process_memory_limit_bytes',
    help: "Memory limit of the process's cgroup (bytes), e.g. the container's limit; 0 when there is none",
    registers: [registry],
    collect() {
      this.set(memoryLimitOf(process.constrainedMemory(), totalmem()));
    },
  });
  return registry;
}

/**
 * The cgroup's memory limit as libuv reports it (`process.constrainedMemory()`), or 0 when there
 * is none: libuv gives 0 when it finds no limit, and an unlimited cgroup reads as a huge number
 * (2^64 − 1 for v1's "unlimited"), so anything at or above the machine's memory is no limit.
 */
export function memoryLimitOf(constrained: number, machineMemory: number): number {
  return constrained > 0 && constrained < machineMemory ? constrained : 0;
}

@Controller()
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('Content-Type', this.registry.contentType).send(await this.registry.metrics());
  }
}

/** Request count and latency per route template (never per raw URL: unbounded cardinality). */
export function instrumentHttp(fastify: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'pulse_http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pulse_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}
