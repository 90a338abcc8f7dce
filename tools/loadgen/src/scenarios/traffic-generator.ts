import type { Customer, Product, PulseEvent } from '@pulse/contracts';
import { fromMinorUnits, toMinorUnits } from '../ground-truth/money';
import type { ReferenceData } from '../reference/reference-data';
import { Rng } from '../random/rng';
import {
  MALFORMED_KINDS,
  type GeneratedItem,
  type ItemKind,
  type ItemRoute,
  type ItemTag,
  type MalformedKind,
} from './generated-item';
import { malformedLine } from './malformed';
import { profileFor, type ProfileTuning, type ScenarioName, type TrafficProfile } from './scenario-profile';
import { listPrice, ShopperModel, type EventStamp, type Shopper } from './shopper-model';

export interface GeneratorPlan {
  scenarios: readonly ScenarioName[];
  seed: number;
  /** Event time of the run's first instant (ms since epoch); all times derive from it. */
  startTimeMs: number;
  /** Length of the run; 0 = until stopped (the scenario shape then repeats every `cycleMs`). */
  durationMs: number;
  /** Base rate in events per second (the flash sale peaks at three times this). */
  rate: number;
  cycleMs?: number;
  tuning?: ProfileTuning;
  /** CloudEvents `source` of every event. */
  source?: string;
  /** Where malformed items go: the API (refused there), straight to Kafka, or half each. */
  malformedVia?: 'api' | 'kafka' | 'both';
}

export const DEFAULT_CYCLE_MS = 120_000;
/** Late events are this much older than "now" (far beyond any allowed lateness). */
export const LATE_BY_MS = 10 * 60_000;
/** Neither late nor slightly-late events before this point, so every partition has a recent watermark. */
export const LATENESS_WARMUP_MS = 15_000;
/** Slightly-late events are at most this old: well within the default 30 s allowed lateness. */
export const SLIGHTLY_LATE_MAX_MS = 12_000;

const TYPE_MIX = [
  ['view', 0.55],
  ['cart', 0.22],
  ['order', 0.15],
  ['stock', 0.08],
] as const;
type TrafficKind = (typeof TYPE_MIX)[number][0];

const RECENT = 64;
const ROUTINE_STOCK_MIN = 50;
const DOORBUSTER_SHARE = 0.7;
/** Doorbusters are products the catalogue has in stock, so the restock after the sale is not a stock-out. */
const DOORBUSTER_MIN_STOCK = 20;

interface Scheduled {
  atMs: number;
  order: number;
  build: () => GeneratedItem[];
}

/**
 * Produces the items of a run in send order. Pure: the same plan and reference data give the
 * same items (ids, times, contents), whatever the machine or the speed of the target.
 */
export class TrafficGenerator {
  readonly profile: TrafficProfile;
  readonly runTag: string;
  private readonly model: ShopperModel;
  private readonly cycleMs: number;
  private readonly source: string;
  private readonly rng: Record<
    'timing' | 'traffic' | 'malformed' | 'duplicates' | 'late' | 'fraud' | 'sale',
    Rng
  >;
  private readonly stock = new Map<string, number>();
  private readonly hotCategories: readonly string[];
  private readonly doorbusters: ReadonlyMap<string, readonly Product[]>;
  private readonly recentEvents: GeneratedItem[] = [];
  private readonly recentCustomers: Customer[] = [];
  private readonly scheduled: Scheduled[] = [];
  private seq = 0;
  private scheduleOrder = 0;
  private saleOpen = false;

  constructor(
    private readonly plan: GeneratorPlan,
    reference: ReferenceData,
  ) {
    if (!(plan.rate > 0)) throw new Error('rate must be greater than 0');
    this.profile = profileFor(plan.scenarios, plan.tuning);
    this.runTag = `lg${plan.seed}-${plan.startTimeMs.toString(36)}`;
    this.model = new ShopperModel(reference, this.runTag);
    this.cycleMs = plan.durationMs > 0 ? plan.durationMs : (plan.cycleMs ?? DEFAULT_CYCLE_MS);
    this.source = plan.source ?? 'pulse-loadgen';
    const root = new Rng(plan.seed);
    this.rng = {
      timing: root.fork('timing'),
      traffic: root.fork('traffic'),
      malformed: root.fork('malformed'),
      duplicates: root.fork('duplicates'),
      late: root.fork('late'),
      fraud: root.fork('fraud'),
      sale: root.fork('sale'),
    };
    for (const product of reference.products) this.stock.set(product.id, product.stock);
    const sale = this.profile.flashSale;
    const saleRng = this.rng.sale;
    this.hotCategories = sale ? pickDistinct(saleRng, this.model.categories, sale.hotCategories) : [];
    this.doorbusters = new Map(
      this.hotCategories.map((category) => [
        category,
        pickDistinct(
          saleRng,
          (this.model.productsByCategory.get(category) ?? []).filter(
            (product) => product.stock >= DOORBUSTER_MIN_STOCK,
          ),
          sale?.doorbustersPerCategory ?? 0,
        ),
      ]),
    );
  }

  /** The categories the flash sale is on (empty without one). */
  get saleCategories(): readonly string[] {
    return this.hotCategories;
  }

  *items(): Generator<GeneratedItem> {
    let t = 0;
    let cycle = -1;
    for (;;) {
      const cycleIndex = Math.floor(t / this.cycleMs);
      if (cycleIndex !== cycle) {
        cycle = cycleIndex;
        this.scheduleCycle(cycle * this.cycleMs);
      }
      const phase = (t - cycle * this.cycleMs) / this.cycleMs;
      const ratePerMs = (this.plan.rate * Math.max(0.05, this.profile.rateFactor(phase))) / 1000;
      const next = t + this.rng.timing.exponential(ratePerMs);
      const end = this.plan.durationMs > 0 ? this.plan.durationMs : Number.POSITIVE_INFINITY;
      yield* this.flushScheduled(Math.min(next, end));
      if (next >= end) return;
      // A new cycle starts within this gap: its scheduled items come first.
      if (Math.floor(next / this.cycleMs) !== cycle) {
        t = Math.floor(next / this.cycleMs) * this.cycleMs;
        continue;
      }
      t = next;
      yield* this.trafficAt(t);
    }
  }

  private *flushScheduled(untilMs: number): Generator<GeneratedItem> {
    this.scheduled.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
    while (this.scheduled.length > 0 && (this.scheduled[0] as Scheduled).atMs < untilMs) {
      yield* (this.scheduled.shift() as Scheduled).build();
    }
  }

  private schedule(atMs: number, build: () => GeneratedItem[]): void {
    this.scheduled.push({ atMs, order: this.scheduleOrder++, build });
  }

  private scheduleCycle(cycleStartMs: number): void {
    const sale = this.profile.flashSale;
    if (sale) {
      const opensAt = cycleStartMs + sale.opensAt * this.cycleMs;
      const closesAt = cycleStartMs + sale.closesAt * this.cycleMs;
      this.schedule(opensAt, () => {
        this.saleOpen = true;
        return this.allDoorbusters().map((product) => {
          this.stock.set(product.id, this.saleAllocation(sale.closesAt - sale.opensAt));
          return this.stockItem(opensAt, product, ['flash-sale']);
        });
      });
      this.schedule(closesAt, () => {
        this.saleOpen = false;
        return this.allDoorbusters().map((product) => {
          this.stock.set(product.id, product.stock);
          return this.stockItem(closesAt, product, ['flash-sale']);
        });
      });
    }
    const burst = this.profile.fraudBurst;
    if (burst) {
      const fraudster = this.rng.fraud.pick(this.model.reference.customers);
      const startsAt = cycleStartMs + burst.startsAt * this.cycleMs;
      for (let i = 0; i < burst.orders; i += 1) {
        const at = startsAt + (i * burst.spanMs) / burst.orders;
        if (this.plan.durationMs > 0 && at >= this.plan.durationMs) break;
        this.schedule(at, () => this.fraudOrder(at, fraudster));
      }
    }
  }

  private *trafficAt(t: number): Generator<GeneratedItem> {
    const rng = this.rng.traffic;
    if (this.profile.malformedShare > 0 && this.rng.malformed.chance(this.profile.malformedShare)) {
      yield this.malformedItem(t);
      return;
    }
    let timeMs = t;
    const tags: ItemTag[] = [];
    if (t >= LATENESS_WARMUP_MS && this.rng.late.chance(this.profile.slightlyLateShare)) {
      timeMs = t - this.rng.late.int(3_000, SLIGHTLY_LATE_MAX_MS);
      tags.push('slightly-late');
    }
    const kind: TrafficKind = rng.weighted(TYPE_MIX);
    yield* this.trafficEvent(kind, t, timeMs, tags);
    if (this.profile.duplicateShare > 0 && this.rng.duplicates.chance(this.profile.duplicateShare)) {
      const original = this.recentEvents.length > 0 ? this.rng.duplicates.pick(this.recentEvents) : undefined;
      if (original) yield { ...original, seq: this.seq++, sendAtMs: t, kind: 'duplicate' };
    }
    if (
      t >= LATENESS_WARMUP_MS &&
      this.recentCustomers.length > 0 &&
      this.profile.lateShare > 0 &&
      this.rng.late.chance(this.profile.lateShare)
    ) {
      yield this.lateItem(t);
    }
  }

  private *trafficEvent(
    kind: TrafficKind,
    sendAtMs: number,
    timeMs: number,
    tags: ItemTag[],
  ): Generator<GeneratedItem> {
    const rng = this.rng.traffic;
    switch (kind) {
      case 'view': {
        const shopper = this.model.shopper(rng, { allowAnonymous: true });
        const product =
          this.saleOpen && rng.chance(this.hotShare())
            ? this.hotProduct(rng)
            : this.model.productForView(rng);
        yield* present(
          this.eventItem(sendAtMs, timeMs, (stamp) => this.model.view(rng, shopper, stamp, product), tags),
        );
        return;
      }
      case 'cart': {
        const shopper = this.model.shopper(rng, { allowAnonymous: false });
        const product = this.shoppedProduct(rng);
        yield* present(
          this.eventItem(sendAtMs, timeMs, (stamp) => this.model.cartAdd(rng, shopper, stamp, product), tags),
        );
        return;
      }
      case 'order': {
        const shopper = this.model.shopper(rng, { allowAnonymous: false }) as Shopper & {
          kind: 'customer' | 'guest';
        };
        yield* this.orderItems(sendAtMs, timeMs, shopper, this.shoppedProduct(rng), tags);
        return;
      }
      case 'stock': {
        // Routine restocks of well-stocked products outside the sale: never near empty, so they
        // cannot look like a stock-out to the alert rules.
        const product = this.model.product(rng);
        if (this.isDoorbuster(product) || product.stock < ROUTINE_STOCK_MIN) return;
        yield this.stockItem(timeMs, product, tags, product.stock + rng.int(0, 20), sendAtMs);
        return;
      }
    }
  }

  private *orderItems(
    sendAtMs: number,
    timeMs: number,
    shopper: Shopper & { kind: 'customer' | 'guest' },
    first: Product,
    tags: ItemTag[],
  ): Generator<GeneratedItem> {
    const rng = this.rng.traffic;
    const drained: Product[] = [];
    const item = this.eventItem(
      sendAtMs,
      timeMs,
      (stamp) => {
        const order = this.model.order(rng, shopper, stamp, first, this.priceOf, (product, wanted) => {
          if (!this.isDoorbuster(product) || !this.saleOpen) return wanted;
          const left = this.stock.get(product.id) ?? 0;
          const taken = Math.min(left, wanted);
          if (taken > 0) {
            this.stock.set(product.id, left - taken);
            drained.push(product);
          }
          return taken;
        });
        return order?.event;
      },
      tags,
    );
    if (!item) return;
    yield item;
    for (const product of new Set(drained)) {
      yield this.stockItem(timeMs, product, ['flash-sale'], this.stock.get(product.id) ?? 0, sendAtMs);
    }
  }

  private fraudOrder(atMs: number, fraudster: Customer): GeneratedItem[] {
    const rng = this.rng.fraud;
    const shopper: Shopper & { kind: 'customer' } = { kind: 'customer', customer: fraudster };
    const product = this.model.product(rng);
    const items = [...this.orderItems(atMs, atMs, shopper, product, ['fraud-burst'])];
    return items;
  }

  private malformedItem(t: number): GeneratedItem {
    const rng = this.rng.malformed;
    const kind: MalformedKind = rng.pick(MALFORMED_KINDS);
    const shopper: Shopper & { kind: 'customer' } = {
      kind: 'customer',
      customer: rng.pick(this.model.reference.customers),
    };
    const via = this.plan.malformedVia ?? 'api';
    const route: ItemRoute = via === 'both' ? (rng.chance(0.5) ? 'kafka' : 'api') : via;
    const stamp = this.stamp('bad', t);
    const order = this.model.order(
      rng,
      shopper,
      stamp,
      this.model.product(rng),
      listPrice,
      (_, wanted) => wanted,
    );
    if (!order) throw new Error('an unlimited order always has a line');
    return {
      seq: this.seq++,
      sendAtMs: t,
      kind: 'malformed',
      eventId: stamp.id,
      line: malformedLine(kind, order.event),
      event: undefined,
      malformedKind: kind,
      route,
      tags: [],
    };
  }

  private lateItem(t: number): GeneratedItem {
    const rng = this.rng.late;
    const customer = rng.pick(this.recentCustomers);
    const timeMs = t - LATE_BY_MS - rng.int(0, 60_000);
    const shopper: Shopper & { kind: 'customer' } = { kind: 'customer', customer };
    const stamp = this.stamp('late', timeMs);
    const event = rng.chance(0.5)
      ? this.model.view(rng, shopper, stamp, this.model.product(rng))
      : this.model.order(rng, shopper, stamp, this.model.product(rng), listPrice, (_, wanted) => wanted)
          ?.event;
    if (!event) throw new Error('an unlimited order always has a line');
    return this.item('late', t, event, []);
  }

  private eventItem(
    sendAtMs: number,
    timeMs: number,
    build: (stamp: EventStamp) => PulseEvent | undefined,
    tags: readonly ItemTag[],
  ): GeneratedItem | undefined {
    const event = build(this.stamp('evt', timeMs));
    if (!event) return undefined;
    const item = this.item('event', sendAtMs, event, tags);
    this.remember(item);
    return item;
  }

  private stockItem(
    timeMs: number,
    product: Product,
    tags: readonly ItemTag[],
    stock?: number,
    sendAtMs = timeMs,
  ): GeneratedItem {
    const level = stock ?? this.stock.get(product.id) ?? 0;
    return this.item(
      'event',
      sendAtMs,
      this.model.stockLevel(this.stamp('evt', timeMs), product, level),
      tags,
    );
  }

  private item(kind: ItemKind, sendAtMs: number, event: PulseEvent, tags: readonly ItemTag[]): GeneratedItem {
    return {
      seq: this.seq++,
      sendAtMs,
      kind,
      eventId: event.id,
      line: JSON.stringify(event),
      event,
      malformedKind: undefined,
      route: 'api',
      tags,
    };
  }

  private remember(item: GeneratedItem): void {
    this.recentEvents.push(item);
    if (this.recentEvents.length > RECENT) this.recentEvents.shift();
    const customerId = item.event?.customerid;
    const customer = customerId === undefined ? undefined : this.customerById(customerId);
    if (customer) {
      this.recentCustomers.push(customer);
      if (this.recentCustomers.length > RECENT) this.recentCustomers.shift();
    }
  }

  private customerCache: Map<string, Customer> | undefined;
  private customerById(id: string): Customer | undefined {
    this.customerCache ??= new Map(this.model.reference.customers.map((customer) => [customer.id, customer]));
    return this.customerCache.get(id);
  }

  private readonly priceOf = (product: Product): number => {
    const sale = this.profile.flashSale;
    if (!sale || !this.saleOpen || !this.hotCategories.includes(product.category)) return listPrice(product);
    const minor = toMinorUnits(product.price, product.currency);
    return fromMinorUnits(Math.round(minor * (1 - sale.discount)), product.currency);
  };

  private hotShare(): number {
    return this.profile.flashSale?.hotShare ?? 0;
  }

  private shoppedProduct(rng: Rng): Product {
    return this.saleOpen && rng.chance(this.hotShare()) ? this.hotProduct(rng) : this.model.product(rng);
  }

  /** During the sale: mostly a doorbuster still in stock, else anything else of a hot category. */
  private hotProduct(rng: Rng): Product {
    const category = rng.pick(this.hotCategories);
    const available = (this.model.productsByCategory.get(category) ?? []).filter(
      (product) => !this.isDoorbuster(product) || (this.stock.get(product.id) ?? 0) > 0,
    );
    const doorbusters = available.filter((product) => this.isDoorbuster(product));
    if (doorbusters.length > 0 && rng.chance(DOORBUSTER_SHARE)) return rng.pick(doorbusters);
    return available.length > 0 ? rng.pick(available) : this.model.product(rng);
  }

  private isDoorbuster(product: Product): boolean {
    return this.doorbusters.get(product.category)?.includes(product) ?? false;
  }

  private allDoorbusters(): Product[] {
    return this.hotCategories.flatMap((category) => this.doorbusters.get(category) ?? []);
  }

  /**
   * Sale stock per doorbuster: about half the units the sale's expected demand would take, so
   * it runs out while the sale is on.
   */
  private saleAllocation(openShare: number): number {
    const sale = this.profile.flashSale;
    const doorbusters = this.allDoorbusters().length;
    if (!sale || doorbusters === 0) return 0;
    const saleEvents = this.plan.rate * 3 * ((openShare * this.cycleMs) / 1000);
    const orderShare = TYPE_MIX.find(([kind]) => kind === 'order')?.[1] ?? 0;
    const doorbusterLines = saleEvents * orderShare * sale.hotShare * DOORBUSTER_SHARE;
    return Math.max(3, Math.round((0.5 * doorbusterLines * 1.4) / doorbusters));
  }

  /** Id and absolute event time for an event `timeMs` after the start; ids follow the item sequence. */
  private stamp(kind: 'evt' | 'bad' | 'late', timeMs: number): EventStamp {
    return {
      id: `${this.runTag}-${kind}-${this.seq.toString(36)}`,
      timeMs: this.plan.startTimeMs + Math.floor(timeMs),
      source: this.source,
    };
  }
}

function* present<T>(item: T | undefined): Generator<T> {
  if (item !== undefined) yield item;
}

function pickDistinct<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0)
    picked.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as T);
  return picked;
}
