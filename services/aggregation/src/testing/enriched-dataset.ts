import { EventType, REGIONS, type EnrichedEvent } from '@pulse/contracts';
import { SeededRandom } from '@pulse/testing';

/**
 * A generated stream for `events.enriched`, each message labelled with what aggregation must do
 * with it — by construction, with wide margins, so the labels do not depend on aggregation's
 * own arithmetic (they are re-checked against the definitions as the stream is built).
 */
export type Label = 'counted' | 'late' | 'duplicate' | 'poison';

export interface LabelledMessage {
  readonly partition: number;
  readonly key: string;
  readonly value: string;
  /** Kafka record timestamp = event time (as enrichment sets it). */
  readonly timestamp: number;
  readonly label: Label;
  readonly event: EnrichedEvent | null;
  /**
   * The partition's event clock once this message is read (max event time, each event's time
   * counting at most up to its `ingestedat`): where late events are counted.
   */
  readonly partitionMaxAfter: number;
}

export interface DatasetOptions {
  seed: number;
  events: number;
  partitions: number;
  startMs: number;
  spanMs: number;
  windowsMs: readonly number[];
  latenessMs: number;
  lateShare: number;
  duplicateShare: number;
  poison: number;
  /**
   * Events dated minutes ahead of when ingestion accepted them (a client with a skewed or
   * hostile clock), about this many per partition; they count in the window of their own time.
   */
  futureDatedPerPartition?: number;
  /**
   * Share of order lines naming a product the catalogue does not know, each a new long id (a
   * client inventing ids); counted as the one product `unknown`.
   */
  madeUpProductShare?: number;
}

export const CATEGORIES = ['books', 'toys', 'games', 'garden', 'music', 'tools', 'food', 'sports'] as const;
const CURRENCIES = [
  ['USD', [19.99, 5, 120.5, 0.99, 249, 12.34]],
  ['EUR', [9.95, 49, 0.5, 79.99]],
  ['JPY', [1500, 980, 12000]],
] as const;

/** Products: id, category (null: enrichment did not know the product). */
function productsOf(rng: SeededRandom): { id: string; category: string | null }[] {
  return Array.from({ length: 200 }, (_, i) => ({
    id: `sku-${String(i).padStart(3, '0')}`,
    category: rng.chance(0.04) ? null : rng.pick(CATEGORIES),
  }));
}

export function generateDataset(options: DatasetOptions): LabelledMessage[] {
  const rng = new SeededRandom(options.seed);
  const products = productsOf(rng);
  const customers = 3_000;
  const maxWindow = Math.max(...options.windowsMs);
  const partitionMax = new Array<number>(options.partitions).fill(Number.NEGATIVE_INFINITY);
  const recent: LabelledMessage[][] = Array.from({ length: options.partitions }, () => []);
  const messages: LabelledMessage[] = [];
  const poisonAt = new Set(Array.from({ length: options.poison }, () => rng.int(0, options.events - 1)));
  const futureAt = new Set(
    Array.from({ length: (options.futureDatedPerPartition ?? 0) * options.partitions }, () =>
      rng.int(0, options.events - 1),
    ),
  );

  const windowEnd = (time: number, size: number): number => time - (((time % size) + size) % size) + size;
  const push = (message: LabelledMessage): void => {
    messages.push(message);
    if (message.label === 'counted' || message.label === 'late') {
      const list = recent[message.partition] as LabelledMessage[];
      list.push(message);
      if (list.length > 50) list.shift();
    }
  };

  for (let i = 0; i < options.events; i += 1) {
    const base = options.startMs + Math.floor((i * options.spanMs) / options.events);
    const customerNumber = rng.int(0, customers - 1);
    const customer = `cust-${customerNumber}`;
    const partition = customerNumber % options.partitions;
    const max = partitionMax[partition] as number;

    if (poisonAt.has(i)) {
      push({
        partition,
        key: customer,
        value: `{"not":"an event","n":${i}}`,
        timestamp: base,
        label: 'poison',
        event: null,
        partitionMaxAfter: max,
      });
    }
    if (futureAt.has(i)) {
      const acceptedAt = base + rng.int(5, 300);
      const time = base + rng.int(120_000, 600_000);
      const maxAfter = Math.max(max, acceptedAt);
      partitionMax[partition] = maxAfter;
      const event = randomEvent(rng, `evt-${options.seed}-${i}-future`, time, customer, products, {
        ingestedAt: acceptedAt,
      });
      push({
        partition,
        key: customer,
        value: JSON.stringify(event),
        timestamp: time,
        label: 'counted',
        event,
        partitionMaxAfter: maxAfter,
      });
    }
    const recentHere = recent[partition] as LabelledMessage[];
    if (rng.chance(options.duplicateShare) && recentHere.length > 0) {
      // A client retry: the same event (id, time, body) sent again shortly after.
      const original = rng.pick(recentHere);
      push({ ...original, label: 'duplicate', partitionMaxAfter: partitionMax[partition] as number });
      continue;
    }
    const lateAllowed = base - options.startMs > maxWindow + options.latenessMs + 180_000;
    const late = lateAllowed && rng.chance(options.lateShare);
    const time = late
      ? base - options.latenessMs - maxWindow - 60_000 - rng.int(0, 60_000)
      : base + rng.int(-8_000, 2_000);
    const maxAfter = Math.max(partitionMax[partition] as number, time);
    const watermark = maxAfter - options.latenessMs;
    for (const size of options.windowsMs) {
      const isLate = windowEnd(time, size) <= watermark;
      if (isLate !== late)
        throw new Error(`dataset margins broken at event ${i}: late=${late} for size ${size}`);
    }
    partitionMax[partition] = maxAfter;
    const event = randomEvent(rng, `evt-${options.seed}-${i}`, time, customer, products, {
      madeUpProductShare: options.madeUpProductShare ?? 0,
    });
    push({
      partition,
      key: customer,
      value: JSON.stringify(event),
      timestamp: time,
      label: late ? 'late' : 'counted',
      event,
      partitionMaxAfter: maxAfter,
    });
  }
  return messages;
}

function randomEvent(
  rng: SeededRandom,
  id: string,
  time: number,
  customer: string,
  products: readonly { id: string; category: string | null }[],
  { ingestedAt, madeUpProductShare = 0 }: { ingestedAt?: number; madeUpProductShare?: number } = {},
): EnrichedEvent {
  const roll = rng.next();
  const region = rng.pick(REGIONS);
  const iso = new Date(time).toISOString();
  const envelope = {
    specversion: '1.0' as const,
    id,
    source: 'aggregation-exactness-test',
    time: iso,
    datacontenttype: 'application/json' as const,
    customerid: customer,
    ingestedat: new Date(ingestedAt ?? time + rng.int(5, 300)).toISOString(),
    enrichmentstatus: 'complete' as const,
  };
  const enrichment = (lineProducts: readonly { category: string | null }[]): EnrichedEvent['enrichment'] => ({
    status: 'complete',
    missing: [],
    products: lineProducts.map((product) =>
      product.category === null ? null : { name: 'product', category: product.category, tags: [] },
    ),
    customer: null,
    geo: { country: null, region, source: 'event' },
    enrichedAt: new Date(time + rng.int(300, 900)).toISOString(),
  });
  if (roll < 0.25) {
    const [currency, prices] = rng.pick(CURRENCIES);
    const lines = Array.from({ length: rng.int(1, 4) }, (_, line) => ({
      product:
        madeUpProductShare > 0 && rng.chance(madeUpProductShare)
          ? { id: `made-up-${id}-${line}-${'x'.repeat(90)}`, category: null }
          : rng.pick(products),
      quantity: rng.int(1, 3),
      unitPrice: rng.pick(prices),
    }));
    return {
      ...envelope,
      type: EventType.OrderPlaced,
      data: {
        orderId: `order-${id}`,
        currency,
        lines: lines.map((line) => ({
          productId: line.product.id,
          quantity: line.quantity,
          unitPrice: line.unitPrice,
        })),
      },
      enrichment: enrichment(lines.map((line) => line.product)),
    } as EnrichedEvent;
  }
  const product = rng.pick(products);
  const cart = roll < 0.4;
  return {
    ...envelope,
    type: cart ? EventType.CartItemAdded : EventType.ProductViewed,
    data: cart ? { productId: product.id, quantity: rng.int(1, 2) } : { productId: product.id },
    enrichment: enrichment([product]),
  } as EnrichedEvent;
}
