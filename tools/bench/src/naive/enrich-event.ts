import {
  EventType,
  regionForCountry,
  type Customer,
  type EnrichedEvent,
  type Enrichment,
  type GeoInfo,
  type Product,
  type ProductInfo,
  type PulseEvent,
} from '@pulse/contracts';

export interface ReferenceLookup {
  product(id: string): Product | undefined;
  customer(id: string): Customer | undefined;
}

const DAY_MS = 86_400_000;

function productInfo(product: Product | undefined): ProductInfo | null {
  return product ? { name: product.name, category: product.category, tags: product.tags } : null;
}

function geoOf(event: PulseEvent, customer: Customer | undefined): GeoInfo {
  if (event.country !== undefined && regionForCountry(event.country) !== 'unknown') {
    return { country: event.country, region: regionForCountry(event.country), source: 'event' };
  }
  if (customer)
    return { country: customer.country, region: regionForCountry(customer.country), source: 'customer' };
  return { country: null, region: 'unknown', source: 'none' };
}

/**
 * The baseline's enrichment: the same joins as Pulse's enrichment service (product per line,
 * customer with account age at event time, region from the event's country or else the
 * customer's), written plainly. No IP lookup: the benchmark's events carry no client IP.
 */
export function enrichEvent(event: PulseEvent, reference: ReferenceLookup, now: number): EnrichedEvent {
  const productIds =
    event.type === EventType.OrderPlaced
      ? event.data.lines.map((line) => line.productId)
      : [event.data.productId];
  const products = productIds.map((id) => productInfo(reference.product(id)));
  const customer = event.customerid === undefined ? undefined : reference.customer(event.customerid);
  const geo = geoOf(event, customer);
  const missing: Enrichment['missing'] = [];
  if (products.includes(null)) missing.push('product');
  if (event.customerid !== undefined && !customer) missing.push('customer');
  if (geo.source === 'none') missing.push('geo');
  const status = missing.length === 0 ? 'complete' : 'partial';
  const enrichment: Enrichment = {
    status,
    missing,
    products,
    customer: customer
      ? {
          segment: customer.segment,
          signupTime: customer.signupTime,
          accountAgeDays: Math.max(
            0,
            Math.floor((Date.parse(event.time) - Date.parse(customer.signupTime)) / DAY_MS),
          ),
        }
      : null,
    geo,
    enrichedAt: new Date(now).toISOString(),
  };
  return { ...event, enrichmentstatus: status, enrichment };
}
