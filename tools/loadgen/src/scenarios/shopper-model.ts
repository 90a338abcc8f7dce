import { EventType, type Customer, type OrderLine, type Product, type PulseEvent } from '@pulse/contracts';
import { fromMinorUnits, toMinorUnits } from '../ground-truth/money';
import type { ReferenceData } from '../reference/reference-data';
import type { Rng } from '../random/rng';

/** Who acts in an event: a known customer, a guest unknown to the reference data, or anonymous. */
export type Shopper =
  | { kind: 'customer'; customer: Customer }
  | { kind: 'guest'; customerId: string }
  | { kind: 'anonymous'; sessionId: string };

export interface EventStamp {
  id: string;
  timeMs: number;
  source: string;
}

/** How a product is priced right now (the flash sale discounts hot products). */
export type PriceOf = (product: Product) => number;

const UNKNOWN_PRODUCT_SHARE_VIEWS = 0.02;
const UNKNOWN_PRODUCT_SHARE_LINES = 0.01;
const GUEST_SHARE = 0.05;
const GUEST_POOL = 50;
const ANONYMOUS_VIEW_SHARE = 0.3;
const SESSION_POOL = 1_000;
const COUNTRY_FROM_CUSTOMER_SHARE = 0.25;
const COUNTRY_ELSEWHERE_SHARE = 0.05;

/**
 * Builds realistic events from the sample reference data: who shops, what they look at and
 * buy, and which geo hints they carry (the event's own country, or none so enrichment falls
 * back to the customer's).
 */
export class ShopperModel {
  readonly productsByCategory: ReadonlyMap<string, readonly Product[]>;
  readonly categories: readonly string[];
  private readonly productsByCurrency: ReadonlyMap<string, readonly Product[]>;
  private readonly countries: readonly string[];

  constructor(
    readonly reference: ReferenceData,
    private readonly runTag: string,
  ) {
    this.productsByCategory = groupBy(reference.products, (product) => product.category);
    this.productsByCurrency = groupBy(reference.products, (product) => product.currency);
    this.categories = [...this.productsByCategory.keys()].sort();
    this.countries = [...new Set(reference.customers.map((customer) => customer.country))].sort();
  }

  shopper(rng: Rng, { allowAnonymous }: { allowAnonymous: boolean }): Shopper {
    if (allowAnonymous && rng.chance(ANONYMOUS_VIEW_SHARE)) {
      return { kind: 'anonymous', sessionId: `sess-${this.runTag}-${rng.int(0, SESSION_POOL - 1)}` };
    }
    if (rng.chance(GUEST_SHARE))
      return { kind: 'guest', customerId: `guest-${this.runTag}-${rng.int(0, GUEST_POOL - 1)}` };
    return { kind: 'customer', customer: rng.pick(this.reference.customers) };
  }

  /** Envelope attributes: identity and, sometimes, the shopper's country as an extension. */
  envelope(rng: Rng, shopper: Shopper, stamp: EventStamp) {
    const identity =
      shopper.kind === 'anonymous'
        ? { sessionid: shopper.sessionId }
        : { customerid: shopper.kind === 'customer' ? shopper.customer.id : shopper.customerId };
    const home = shopper.kind === 'customer' ? shopper.customer.country : undefined;
    const roll = rng.next();
    let country: string | undefined;
    if (roll < COUNTRY_ELSEWHERE_SHARE) country = rng.pick(this.countries);
    else if (roll < COUNTRY_ELSEWHERE_SHARE + COUNTRY_FROM_CUSTOMER_SHARE)
      country = home ?? rng.pick(this.countries);
    return {
      specversion: '1.0' as const,
      id: stamp.id,
      source: stamp.source,
      time: new Date(stamp.timeMs).toISOString(),
      datacontenttype: 'application/json' as const,
      ...identity,
      ...(country === undefined ? {} : { country }),
    };
  }

  view(rng: Rng, shopper: Shopper, stamp: EventStamp, product: Product | undefined): PulseEvent {
    const productId = product?.id ?? this.unknownProductId(rng);
    return { ...this.envelope(rng, shopper, stamp), type: EventType.ProductViewed, data: { productId } };
  }

  cartAdd(rng: Rng, shopper: Shopper, stamp: EventStamp, product: Product): PulseEvent {
    return {
      ...this.envelope(rng, shopper, stamp),
      type: EventType.CartItemAdded,
      data: {
        productId: product.id,
        quantity: rng.weighted([
          [1, 6],
          [2, 3],
          [3, 1],
        ] as const),
      },
    };
  }

  /**
   * An order of 1–3 lines in one currency. `first` is the product that made the shopper buy;
   * `quantityOf` may cap a line (stock); lines it caps to 0 are dropped.
   */
  order(
    rng: Rng,
    shopper: Shopper & { kind: 'customer' | 'guest' },
    stamp: EventStamp,
    first: Product,
    priceOf: PriceOf,
    quantityOf: (product: Product, wanted: number) => number,
  ): { event: PulseEvent; lines: { product: Product | undefined; quantity: number }[] } | undefined {
    const sameCurrency = this.productsByCurrency.get(first.currency) ?? [first];
    const lineCount = rng.weighted([
      [1, 6],
      [2, 3],
      [3, 1],
    ] as const);
    const picked: (Product | undefined)[] = [first];
    for (let i = 1; i < lineCount; i += 1) {
      picked.push(rng.chance(UNKNOWN_PRODUCT_SHARE_LINES) ? undefined : rng.pick(sameCurrency));
    }
    const lines: { product: Product | undefined; quantity: number; line: OrderLine }[] = [];
    for (const product of picked) {
      const wanted = rng.weighted([
        [1, 7],
        [2, 2],
        [3, 1],
      ] as const);
      const quantity = product ? quantityOf(product, wanted) : wanted;
      if (quantity <= 0) continue;
      const unitPrice = product ? priceOf(product) : fromMinorUnits(999, first.currency);
      lines.push({
        product,
        quantity,
        line: { productId: product?.id ?? this.unknownProductId(rng), quantity, unitPrice },
      });
    }
    if (lines.length === 0) return undefined;
    const customerid = shopper.kind === 'customer' ? shopper.customer.id : shopper.customerId;
    const event: PulseEvent = {
      ...this.envelope(rng, shopper, stamp),
      customerid,
      type: EventType.OrderPlaced,
      data: { orderId: `ord-${stamp.id}`, currency: first.currency, lines: lines.map(({ line }) => line) },
    };
    return { event, lines: lines.map(({ product, quantity }) => ({ product, quantity })) };
  }

  stockLevel(stamp: EventStamp, product: Product, stock: number): PulseEvent {
    return {
      specversion: '1.0',
      id: stamp.id,
      source: stamp.source,
      time: new Date(stamp.timeMs).toISOString(),
      datacontenttype: 'application/json',
      type: EventType.InventoryLevelChanged,
      data: { productId: product.id, stock, warehouse: 'main' },
    };
  }

  productForView(rng: Rng): Product | undefined {
    return rng.chance(UNKNOWN_PRODUCT_SHARE_VIEWS) ? undefined : rng.pick(this.reference.products);
  }

  /** A product of the catalogue, from `category` when given. */
  product(rng: Rng, category?: string): Product {
    const pool =
      (category === undefined ? undefined : this.productsByCategory.get(category)) ?? this.reference.products;
    return rng.pick(pool);
  }

  private unknownProductId(rng: Rng): string {
    return `sku-unknown-${rng.int(0, 99)}`;
  }
}

export function listPrice(product: Product): number {
  return fromMinorUnits(toMinorUnits(product.price, product.currency), product.currency);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
