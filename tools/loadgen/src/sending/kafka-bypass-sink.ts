import { createKafka, PulseProducer, topicNames } from '@pulse/kafka';
import pino from 'pino';
import type { Outcome } from '../ground-truth/ground-truth-builder';
import type { GeneratedItem } from '../scenarios/generated-item';
import type { BatchSink } from './paced-run';

export interface KafkaBypassOptions {
  brokers: string[];
  topicPrefix: string;
}

/**
 * Writes items straight to `events.raw`, bytes as they are, the way a producer that bypasses
 * the API would. The pipeline must dead-letter every malformed one of them.
 */
export class KafkaBypassSink implements BatchSink {
  private readonly producer: PulseProducer;
  private readonly topic: string;
  private connected: Promise<void> | undefined;

  constructor(options: KafkaBypassOptions) {
    const logger = pino({ level: 'error', base: { component: 'loadgen-kafka' } }, pino.destination(2));
    this.producer = new PulseProducer(
      createKafka({ brokers: options.brokers, clientId: 'pulse-loadgen' }, logger),
    );
    this.topic = topicNames(options.topicPrefix).eventsRaw;
  }

  async send(batch: readonly GeneratedItem[]): Promise<readonly Outcome[]> {
    this.connected ??= this.producer.connect();
    try {
      await this.connected;
      await this.producer.send(
        batch.map((item) => ({
          topic: this.topic,
          key: item.eventId,
          value: item.line,
          timestamp: Date.now(),
        })),
      );
      return batch.map(() => 'accepted');
    } catch {
      // The producer retries internally; after that the bytes' fate is unknown.
      return batch.map(() => 'failed');
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}

/** Sends each item along its route (API or Kafka) and gives the outcomes back in batch order. */
export class RoutingSink implements BatchSink {
  constructor(
    private readonly api: BatchSink,
    private readonly kafka: BatchSink | undefined,
  ) {}

  async send(batch: readonly GeneratedItem[]): Promise<readonly Outcome[]> {
    const viaKafka = batch.filter((item) => item.route === 'kafka');
    if (viaKafka.length === 0) return this.api.send(batch);
    if (!this.kafka) throw new Error('items routed to Kafka, but no --kafka-brokers were given');
    const viaApi = batch.filter((item) => item.route === 'api');
    const [apiOutcomes, kafkaOutcomes] = await Promise.all([
      viaApi.length > 0 ? this.api.send(viaApi) : Promise.resolve([]),
      this.kafka.send(viaKafka),
    ]);
    const byItem = new Map<GeneratedItem, Outcome>();
    viaApi.forEach((item, index) => byItem.set(item, apiOutcomes[index] ?? 'failed'));
    viaKafka.forEach((item, index) => byItem.set(item, kafkaOutcomes[index] ?? 'failed'));
    return batch.map((item) => byItem.get(item) ?? 'failed');
  }
}
