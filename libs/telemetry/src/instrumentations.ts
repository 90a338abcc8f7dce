import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/**
 * HTTP in and out (ingestion's API, InfluxDB writes) and fetch (Slack). Kafka spans are made by
 * @pulse/kafka itself: the kafkajs auto-instrumentation starts a new trace per batch with
 * eachBatch, which would cut every event's trace at the first hop.
 */
export function getNodeAutoInstrumentations() {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? ''),
    }),
    new UndiciInstrumentation(),
  ];
}
