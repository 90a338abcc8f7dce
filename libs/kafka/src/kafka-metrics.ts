import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The consumer and producer metrics of one service. Labels are topic and group only:
 * never offsets or keys (unbounded cardinality).
 */
export class KafkaMetrics {
  readonly processed: Counter<'topic' | 'group'>;
  readonly failed: Counter<'topic' | 'group'>;
  readonly retried: Counter<'topic' | 'group'>;
  readonly deadLettered: Counter<'topic' | 'group' | 'error_class'>;
  readonly batchDuration: Histogram<'topic' | 'group'>;
  readonly lag: Gauge<'topic' | 'group' | 'partition'>;
  readonly produced: Counter<'topic'>;
  readonly produceErrors: Counter<'topic'>;
  readonly producerIdentityRenewals: Counter;
  readonly endToEndLatency: Histogram<'topic' | 'group'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.processed = new Counter({
      name: 'pulse_kafka_messages_processed_total',
      help: 'Messages handled successfully',
      labelNames: ['topic', 'group'],
      registers,
    });
    this.failed = new Counter({
      name: 'pulse_kafka_messages_failed_total',
      help: 'Handler attempts that threw',
      labelNames: ['topic', 'group'],
      registers,
    });
    this.retried = new Counter({
      name: 'pulse_kafka_messages_retried_total',
      help: 'Handler attempts repeated after a failure',
      labelNames: ['topic', 'group'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'pulse_kafka_messages_dead_lettered_total',
      help: 'Messages parked in the dead-letter topic',
      labelNames: ['topic', 'group', 'error_class'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'pulse_kafka_batch_duration_seconds',
      help: 'Time to handle, produce and commit one fetched batch',
      labelNames: ['topic', 'group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lag = new Gauge({
      name: 'pulse_kafka_consumer_lag',
      help: 'Messages between the last handled offset and the partition high watermark',
      labelNames: ['topic', 'group', 'partition'],
      registers,
    });
    this.produced = new Counter({
      name: 'pulse_kafka_messages_produced_total',
      help: 'Records acknowledged by the broker',
      labelNames: ['topic'],
      registers,
    });
    this.produceErrors = new Counter({
      name: 'pulse_kafka_produce_errors_total',
      help: 'Produce requests that failed',
      labelNames: ['topic'],
      registers,
    });
    this.producerIdentityRenewals = new Counter({
      name: 'pulse_kafka_producer_id_renewals_total',
      help: 'New producer ids taken after a failed send, so a send the broker appended after all cannot desynchronise sequence numbers',
      registers,
    });
    this.endToEndLatency = new Histogram({
      name: 'pulse_kafka_record_age_seconds',
      help: 'Age of a record (now minus its Kafka timestamp) when its handling finished',
      labelNames: ['topic', 'group'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
  }
}
