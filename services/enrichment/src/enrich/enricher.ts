import {
  EventType,
  regionForCountry,
  type CustomerInfo,
  type EnrichedEvent,
  type Enrichment,
  type GeoInfo,
  type ProductInfo,
  type PulseEvent,
} from '@pulse/contracts';
import type { ReferenceLookup } from '../reference/reference-entries';

const DAY_MS = 86_400_000;
type Missing = Enrichment['missing'];
type GeoSource = Exclude<GeoInfo['source'], 'none'>;

const NOTHING_MISSING: Missing = Object.freeze([]) as unknown as Missing;
const NO_GEO: GeoInfo = Object.freeze({ country: null, region: 'unknown', source: 'none' });

/**
 * Joins a raw event with the reference tables and geo data: product info per order
 * line or for the event's single product, the customer's segment and account age at event
 * time, and the shopper's region. Missing reference data never drops an event: it is listed in
 * `enrichment.missing` and the status is `partial`.
 *
 * Runs once per event at high rates, so shared pieces (product info, geo blocks, the
 * timestamp string) are built once and reused; the output event is the only new allocation
 * of any size.
 */
export class Enricher {
  private readonly geoCache: Record<GeoSource, Map<string, GeoInfo>> = {
    event: new Map(),
    ip: new Map(),
    customer: new Map(),
  };
  private lastNow = -1;
  private lastNowIso = '';

  constructor(
    private readonly reference: ReferenceLookup,
    private readonly countryOfIp: (ip: string) => string | null,
  ) {}

  enrich(event: PulseEvent, eventTimeMs: number, nowMs: number): EnrichedEvent {
    let missing: Missing = NOTHING_MISSING;
    const products = this.products(event);
    if (products.includes(null)) missing = ['product'];

    let customer: CustomerInfo | null = null;
    const customerEntry =
      event.customerid === undefined ? undefined : this.reference.customer(event.customerid);
    if (customerEntry) {
      customer = {
        segment: customerEntry.customer.segment,
        signupTime: customerEntry.customer.signupTime,
        accountAgeDays: Math.max(0, Math.floor((eventTimeMs - customerEntry.signupMs) / DAY_MS)),
      };
    } else if (event.customerid !== undefined) {
      missing = missing === NOTHING_MISSING ? ['customer'] : [...missing, 'customer'];
    }

    const geo =
      this.geo('event', event.country) ??
      (event.clientip === undefined ? undefined : this.geo('ip', this.countryOfIp(event.clientip))) ??
      this.geo('customer', customerEntry?.customer.country) ??
      NO_GEO;
    if (geo === NO_GEO) missing = missing === NOTHING_MISSING ? ['geo'] : [...missing, 'geo'];

    const status = missing.length === 0 ? 'complete' : 'partial';
    return {
      ...event,
      enrichmentstatus: status,
      enrichment: { status, missing, products, customer, geo, enrichedAt: this.isoOf(nowMs) },
    };
  }

  /** Product info in the order of `data.lines` for orders, else for the event's one product. */
  private products(event: PulseEvent): (ProductInfo | null)[] {
    if (event.type === EventType.OrderPlaced) {
      return event.data.lines.map((line) => this.reference.product(line.productId)?.info ?? null);
    }
    return [this.reference.product(event.data.productId)?.info ?? null];
  }

  /** A shared geo block for a country from `source`, or undefined when it names no known region. */
  private geo(source: GeoSource, country: string | null | undefined): GeoInfo | undefined {
    if (country === null || country === undefined) return undefined;
    const cache = this.geoCache[source];
    let geo = cache.get(country);
    if (geo === undefined) {
      const region = regionForCountry(country);
      if (region === 'unknown') return undefined;
      geo = Object.freeze({ country, region, source });
      cache.set(country, geo);
    }
    return geo;
  }

  private isoOf(nowMs: number): string {
    if (nowMs !== this.lastNow) {
      this.lastNow = nowMs;
      this.lastNowIso = new Date(nowMs).toISOString();
    }
    return this.lastNowIso;
  }
}
