import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { KafkaRuntime } from '@pulse/kafka';
import type { EnrichmentConfig } from './config';
import { ENRICHMENT_CONFIG } from './enrichment-config.token';
import { Enricher } from './enrich/enricher';
import { EnrichmentHandler } from './enrich/enrichment-handler';
import { countryOfIp } from './geo/ip-country';
import { EnrichmentMetrics } from './metrics/enrichment-metrics';
import { ReferenceTables } from './reference/reference-tables';

/**
 * Start-up order: load the reference tables first (or fail start-up), then consume events.raw —
 * enriching before the catalogue is loaded would mark every event partial for no reason.
 */
@Injectable()
export class EnrichmentWorker implements OnApplicationBootstrap {
  constructor(
    @Inject(ENRICHMENT_CONFIG) private readonly config: EnrichmentConfig,
    private readonly runtime: KafkaRuntime,
    private readonly tables: ReferenceTables,
    private readonly metrics: EnrichmentMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tables.load(this.config.PULSE_REFERENCE_LOAD_TIMEOUT_MS);
    const handler = new EnrichmentHandler(
      new Enricher(this.tables, countryOfIp),
      this.runtime.topics.eventsEnriched,
      this.metrics,
    );
    const runner = this.runtime.createConsumer(handler, {
      groupId: this.config.PULSE_CONSUMER_GROUP,
      topics: [this.runtime.topics.eventsRaw],
      // A new group starts at the beginning: events accepted before enrichment first ran are not skipped.
      fromBeginning: true,
      partitionsConsumedConcurrently: this.config.PULSE_ENRICHMENT_PARTITIONS_CONCURRENTLY,
      maxBytesPerPartition: this.config.PULSE_CONSUMER_FETCH_MAX_BYTES,
      sessionTimeoutMs: this.config.PULSE_CONSUMER_SESSION_TIMEOUT,
      commitIntervalMs: this.config.PULSE_CONSUMER_COMMIT_INTERVAL,
    });
    await runner.start();
  }
}
