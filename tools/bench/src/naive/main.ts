// The naive baseline pipeline of the benchmark, written as the textbook example does it: kafkajs
// used directly (the one place outside libs/kafka — it is the thing Pulse is compared against),
// `eachMessage`, one await and one `send` per message, auto-commit.
import * as patchedKafkajs from 'kafkajs';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import * as stockKafkajs from 'kafkajs-stock';
import { loadConfigOrExit } from '@pulse/config';
import {
  customerSchema,
  decodeEnrichedEvent,
  decodePulseEvent,
  productSchema,
  type Customer,
  type Product,
} from '@pulse/contracts';
import { InfluxClient } from '@pulse/influx';
import { TopicTableReader, topicNames } from '@pulse/kafka';
import pino from 'pino';
import { schema, type KafkajsVariant, type NaiveConfig } from './config';
import { enrichEvent } from './enrich-event';
import { StatusServer } from './status-server';
import { WindowSums } from './window-sums';

const logger = pino({ level: 'warn', base: { component: 'naive-baseline' } });

interface Stage {
  stop(): Promise<void>;
}

function watchLag(consumer: Consumer, status: StatusServer): void {
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    status.lag.set(
      { topic: payload.topic, partition: String(payload.partition) },
      Math.max(0, Number(payload.offsetLag)),
    );
  });
}

async function loadTable<V>(
  kafka: Kafka,
  topic: string,
  groupIdPrefix: string,
  decode: (value: unknown) => V,
): Promise<TopicTableReader<V>> {
  const table = new TopicTableReader<V>(
    kafka,
    {
      topic,
      groupIdPrefix,
      decode: (message) => decode(JSON.parse(message.value?.toString('utf8') ?? 'null')),
    },
    logger,
  );
  await table.start();
  await table.whenReady(60_000);
  return table;
}

async function enrichStage(kafka: Kafka, config: NaiveConfig, status: StatusServer): Promise<Stage> {
  const topics = topicNames(config.PULSE_TOPIC_PREFIX);
  // Under the stage's own group name, so the harness's clean-up of the cell's groups covers them.
  const tableGroup = `${config.BENCH_NAIVE_GROUP}-reference`;
  const products = await loadTable<Product>(kafka, topics.referenceProducts, tableGroup, (value) =>
    productSchema.parse(value),
  );
  const customers = await loadTable<Customer>(kafka, topics.referenceCustomers, tableGroup, (value) =>
    customerSchema.parse(value),
  );
  const reference = {
    product: (id: string) => products.get(id),
    customer: (id: string) => customers.get(id),
  };
  const producer: Producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: config.BENCH_NAIVE_GROUP });
  watchLag(consumer, status);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.eventsRaw, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const event = decodePulseEvent(message.value);
      const enriched = enrichEvent(event, reference, Date.now());
      await producer.send({
        topic: topics.eventsEnriched,
        messages: [
          { key: message.key, value: JSON.stringify(enriched), timestamp: String(Date.parse(event.time)) },
        ],
      });
      status.processed.inc({ topic });
    },
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await Promise.all([products.stop(), customers.stop()]);
    },
  };
}

async function aggregateStage(kafka: Kafka, config: NaiveConfig, status: StatusServer): Promise<Stage> {
  const topics = topicNames(config.PULSE_TOPIC_PREFIX);
  const sums = new WindowSums(config.BENCH_NAIVE_WINDOW, `${config.BENCH_NAIVE_WINDOW / 1000}s`);
  // A bound on each write, so a stalled InfluxDB cannot pile up flushes behind the interval.
  const influx = new InfluxClient({ url: config.PULSE_INFLUX_URL, timeoutMs: 30_000 });
  const target = { api: 'v1', database: config.PULSE_INFLUX_DATABASE } as const;
  const flush = async () => {
    const lines = sums.takeDirtyLines();
    if (lines.length === 0) return;
    // Uncompressed, one request, no retry: what a textbook client does.
    await influx
      .write(target, lines, { gzip: false })
      .catch((error: unknown) => logger.error({ err: error }, 'InfluxDB write failed'));
  };
  // The client library's way: points are buffered and written on an interval.
  const timer = setInterval(
    () => void flush().catch((error: unknown) => logger.error({ err: error }, 'flush failed')),
    config.BENCH_NAIVE_FLUSH_INTERVAL,
  );
  const consumer = kafka.consumer({ groupId: config.BENCH_NAIVE_GROUP });
  watchLag(consumer, status);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.eventsEnriched, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      sums.add(decodeEnrichedEvent(message.value));
      status.processed.inc({ topic });
    },
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      clearInterval(timer);
      await flush();
    },
  };
}

/** The same version of kafkajs either way; only Pulse's patch differs (config.ts says why both). */
function kafkaClient(variant: KafkajsVariant, clientId: string, brokers: string[]): Kafka {
  const kafkajs = variant === 'stock' ? stockKafkajs : patchedKafkajs;
  return new kafkajs.Kafka({ clientId, brokers, logLevel: kafkajs.logLevel.WARN });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(schema);
  const status = new StatusServer(config.BENCH_NAIVE_STAGE);
  await status.listen(config.PULSE_HTTP_PORT, config.PULSE_HTTP_HOST);
  const kafka = kafkaClient(
    config.BENCH_NAIVE_KAFKAJS,
    `naive-${config.BENCH_NAIVE_STAGE}`,
    config.PULSE_KAFKA_BROKERS,
  );
  const stage =
    config.BENCH_NAIVE_STAGE === 'enrich'
      ? await enrichStage(kafka, config, status)
      : await aggregateStage(kafka, config, status);
  status.markReady();
  const shutdown = () => {
    void stage
      .stop()
      .then(() => status.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  logger.error({ err: error }, 'naive baseline failed to start');
  process.exit(1);
});
