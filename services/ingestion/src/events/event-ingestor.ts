import { Inject, Injectable } from '@nestjs/common';
import type { ValidationIssue } from '@pulse/contracts';
import { INGESTION_CONFIG } from '../ingestion-config.token';
import type { IngestionConfig } from '../config';
import { ApiError } from '../http/api-error';
import { IngestionMetrics } from '../metrics/ingestion-metrics';
import { PublishUnavailableError, RawEventPublisher } from '../publishing/raw-event-publisher';
import { eventCost, totalCost } from '../rate-limit/event-cost';
import { EventRateLimiter } from '../rate-limit/event-rate-limiter';
import type { BatchItem } from './batch-items';
import { EventPreparer, type EncodedEvent } from './prepare-event';

export interface AcceptedEvent {
  index: number;
  id: string;
}

export interface RejectedEvent {
  index: number;
  errors: ValidationIssue[];
}

export interface BatchOutcome {
  accepted: AcceptedEvent[];
  rejected: RejectedEvent[];
}

/**
 * The ingestion use case: admit the events under the key's rate limit, validate and normalise
 * each one, write the valid ones to `events.raw`, and say what happened to each.
 */
@Injectable()
export class EventIngestor {
  private readonly preparer: EventPreparer;

  constructor(
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
    private readonly publisher: RawEventPublisher,
    private readonly limiter: EventRateLimiter,
    private readonly metrics: IngestionMetrics,
  ) {
    this.preparer = new EventPreparer({
      maxFutureMs: config.PULSE_EVENT_MAX_FUTURE,
      maxEventBytes: config.PULSE_EVENT_MAX_BYTES,
    });
  }

  get maxBatchEvents(): number {
    return this.config.PULSE_BATCH_MAX_EVENTS;
  }

  async ingestOne(apiKey: string, body: unknown): Promise<AcceptedEvent> {
    await this.admit(apiKey, 1, eventCost(body));
    const prepared = this.preparer.prepare(body);
    if (!prepared.ok) {
      this.metrics.count('rejected', 1);
      throw new ApiError(400, 'invalid_event', 'the event does not match the contract', prepared.issues);
    }
    await this.publish(apiKey, [prepared]);
    return { index: 0, id: prepared.event.id };
  }

  /** Valid events are written even when neighbours are not; the outcome lists both by index. */
  async ingestBatch(apiKey: string, items: readonly BatchItem[]): Promise<BatchOutcome> {
    const max = this.config.PULSE_BATCH_MAX_EVENTS;
    if (items.length === 0) throw new ApiError(400, 'empty_batch', 'the batch holds no events');
    if (items.length > max) {
      throw new ApiError(413, 'batch_too_large', `a batch may hold at most ${max} events`);
    }
    await this.admit(
      apiKey,
      items.length,
      totalCost(items.map((item) => ('value' in item ? item.value : undefined))),
    );
    const accepted: AcceptedEvent[] = [];
    const rejected: RejectedEvent[] = [];
    const valid: EncodedEvent[] = [];
    items.forEach((item, index) => {
      if ('unparsable' in item) {
        rejected.push({ index, errors: [{ path: '(root)', message: item.unparsable }] });
        return;
      }
      const prepared = this.preparer.prepare(item.value);
      if (prepared.ok) {
        valid.push(prepared);
        accepted.push({ index, id: prepared.event.id });
      } else {
        rejected.push({ index, errors: prepared.issues });
      }
    });
    this.metrics.count('rejected', rejected.length);
    await this.publish(apiKey, valid);
    return { accepted, rejected };
  }

  /** Charges the request's cost (an order costs its line count) to the key's bucket, or refuses it. */
  private async admit(apiKey: string, events: number, cost: number): Promise<void> {
    const decision = await this.limiter.take(apiKey, cost);
    if (decision.allowed) return;
    this.metrics.count('rate_limited', events);
    const limit =
      `this API key may spend ${this.config.PULSE_RATE_LIMIT_PER_SECOND} per second ` +
      `(bursts up to ${this.config.PULSE_RATE_LIMIT_BURST}); an event costs 1, an order 1 per line`;
    if ('exceedsBurst' in decision) {
      // Never 429: a client would retry a request that can never pass for ever.
      throw new ApiError(
        413,
        'too_costly',
        `the request costs ${cost}, more than the burst: ${limit}; send fewer order lines at once`,
      );
    }
    throw new ApiError(
      429,
      'rate_limited',
      `the request costs ${cost}; ${limit}; retry after ${decision.retryAfterSeconds} s`,
      undefined,
      { 'retry-after': String(decision.retryAfterSeconds) },
    );
  }

  private async publish(apiKey: string, events: readonly EncodedEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.publisher.publish(events);
      this.metrics.count('accepted', events.length);
    } catch (error) {
      if (!(error instanceof PublishUnavailableError)) throw error;
      this.metrics.count('unavailable', events.length);
      await this.limiter.refund(apiKey, totalCost(events.map((encoded) => encoded.event)));
      throw new ApiError(
        503,
        'unavailable',
        `${error.message}; the events were not acknowledged: retry after ${error.retryAfterSeconds} s ` +
          'with the same event ids',
        undefined,
        { 'retry-after': String(error.retryAfterSeconds) },
      );
    }
  }
}
