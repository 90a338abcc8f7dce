import { EventType, type EnrichedEvent, type Enrichment } from '@pulse/contracts';
import { WindowSums } from './window-sums';

const enrichment = (category: string): Enrichment => ({
  status: 'complete',
  missing: [],
  products: [{ name: 'x', category, tags: [] }],
  customer: null,
  geo: { country: 'DE', region: 'europe', source: 'event' },
  enrichedAt: '2026-11-24T12:00:00Z',
});
const envelope = {
  specversion: '1.0',
  source: 's',
  datacontenttype: 'application/json',
  enrichmentstatus: 'complete',
} as const;

function view(id: string, time: string): EnrichedEvent {
  return {
    ...envelope,
    id,
    time,
    type: EventType.ProductViewed,
    data: { productId: 'p' },
    enrichment: enrichment('toys'),
  };
}

describe('baseline WindowSums', () => {
  it('writes each changed window and group once per flush, with running sums', () => {
    const sums = new WindowSums(10_000, '10s');
    sums.add(view('a', '2026-11-24T12:00:01Z'));
    sums.add(view('b', '2026-11-24T12:00:09Z'));
    sums.add({
      ...envelope,
      id: 'o',
      time: '2026-11-24T12:00:12Z',
      type: EventType.OrderPlaced,
      customerid: 'c',
      data: { orderId: 'o', currency: 'EUR', lines: [{ productId: 'p', quantity: 3, unitPrice: 2.5 }] },
      enrichment: enrichment('toys'),
    });
    const lines = sums.takeDirtyLines();
    const first = Date.parse('2026-11-24T12:00:00Z');
    const second = first + 10_000;
    expect(lines).toContain(
      `activity,grouping=total,partition=all,window=10s cart_adds=0i,customers=0i,final=F,orders=0i,units=0i,views=2i ${first}`,
    );
    expect(lines).toContain(
      `activity,grouping=total,partition=all,window=10s cart_adds=0i,customers=1i,final=F,orders=1i,units=3i,views=0i ${second}`,
    );
    expect(lines).toContain(
      `revenue,currency=EUR,grouping=total,partition=all,window=10s final=F,orders=1i,revenue=7.5,revenue_minor=750i,units=3i ${second}`,
    );
    expect(sums.takeDirtyLines()).toEqual([]);
  });
});
