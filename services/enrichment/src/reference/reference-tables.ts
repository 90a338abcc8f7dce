import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { customerSchema, decodeJsonWith, productSchema } from '@pulse/contracts';
import { KafkaRuntime, TopicTableReader, type ConsumedMessage } from '@pulse/kafka';
import { HealthRegistry, LOGGER, type Logger } from '@pulse/observability';
import { loadTables } from './load-tables';
import {
  customerEntry,
  productEntry,
  type CustomerEntry,
  type ProductEntry,
  type ReferenceLookup,
} from './reference-entries';

const GROUP_PREFIX = 'pulse-enrichment-reference';

/**
 * reference.products and reference.customers materialised in memory (latest value per id,
 * tombstones delete), kept current while the service runs. Readiness holds until both reached
 * the end offsets they saw at start-up.
 */
@Injectable()
export class ReferenceTables implements ReferenceLookup, BeforeApplicationShutdown {
  private readonly products: TopicTableReader<ProductEntry>;
  private readonly customers: TopicTableReader<CustomerEntry>;
  private readonly productsTopic: string;
  private readonly customersTopic: string;
  private started = false;

  constructor(runtime: KafkaRuntime, health: HealthRegistry, @Inject(LOGGER) logger: Logger) {
    const log = logger.child({ component: 'reference-tables' });
    this.productsTopic = runtime.topics.referenceProducts;
    this.customersTopic = runtime.topics.referenceCustomers;
    this.products = new TopicTableReader(
      runtime.kafka,
      {
        topic: this.productsTopic,
        groupIdPrefix: GROUP_PREFIX,
        decode: (message: ConsumedMessage) =>
          productEntry(decodeJsonWith(productSchema, message.value, 'invalid product')),
      },
      log,
    );
    this.customers = new TopicTableReader(
      runtime.kafka,
      {
        topic: this.customersTopic,
        groupIdPrefix: GROUP_PREFIX,
        decode: (message: ConsumedMessage) =>
          customerEntry(decodeJsonWith(customerSchema, message.value, 'invalid customer')),
      },
      log,
    );
    health.register('reference-tables', {
      kind: 'readiness',
      check: () => ({
        ok: this.products.isReady() && this.customers.isReady(),
        detail: {
          products: this.products.size,
          customers: this.customers.size,
          productsLoaded: this.products.isReady(),
          customersLoaded: this.customers.isReady(),
          skippedRecords: this.products.skippedRecords + this.customers.skippedRecords,
        },
      }),
    });
  }

  /** Starts both readers and waits for their initial load; rejects with a clear reason on timeout. */
  async load(timeoutMs: number): Promise<void> {
    this.started = true;
    await loadTables([this.products, this.customers], [this.productsTopic, this.customersTopic], timeoutMs);
  }

  product(id: string): ProductEntry | undefined {
    return this.products.get(id);
  }

  customer(id: string): CustomerEntry | undefined {
    return this.customers.get(id);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    await Promise.allSettled([this.products.stop(), this.customers.stop()]);
  }
}
