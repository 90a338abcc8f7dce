import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import type { Enrichment } from '@pulse/contracts';

type MissingKind = Enrichment['missing'][number];

/** Per-event counters, with the label children bound once: no label hashing per message. */
@Injectable()
export class EnrichmentMetrics {
  private readonly missingByKind: Record<MissingKind, Counter.Internal>;
  private readonly eventsByStatus: Record<Enrichment['status'], Counter.Internal>;

  constructor(@Inject(Registry) registry: Registry) {
    const missing = new Counter({
      name: 'pulse_enrichment_missing_total',
      help: 'Events enriched without some reference data, by what was missing',
      labelNames: ['kind'],
      registers: [registry],
    });
    const events = new Counter({
      name: 'pulse_enrichment_events_total',
      help: 'Events enriched, by enrichment status',
      labelNames: ['status'],
      registers: [registry],
    });
    this.missingByKind = {
      product: missing.labels({ kind: 'product' }),
      customer: missing.labels({ kind: 'customer' }),
      geo: missing.labels({ kind: 'geo' }),
    };
    this.eventsByStatus = {
      complete: events.labels({ status: 'complete' }),
      partial: events.labels({ status: 'partial' }),
    };
  }

  record(enrichment: Pick<Enrichment, 'status' | 'missing'>): void {
    this.eventsByStatus[enrichment.status].inc();
    for (const kind of enrichment.missing) this.missingByKind[kind].inc();
  }
}
