import { enrichedAnonymousView, enrichedOrder } from '../examples/enriched-events';
import { orderPlacedMinimal } from '../examples/valid-events';
import { enrichedEventSchema } from './enriched';
import { EventType } from './event-types';
import { safeParseWith } from './validation';

describe('enrichedEventSchema', () => {
  it('accepts an enriched order and normalises its raw part like events.raw does', () => {
    const result = safeParseWith(enrichedEventSchema, enrichedOrder);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const event = result.value;
    if (event.type !== EventType.OrderPlaced) throw new Error('expected an order');
    expect(event.id).toBe('evt-order-0002');
    expect(event.country).toBe('DE');
    expect(event.data.currency).toBe('USD');
    expect(event.enrichmentstatus).toBe('complete');
    expect(event.enrichment).toEqual(enrichedOrder.enrichment);
    expect((event as Record<string, unknown>)['campaign']).toEqual({ utm: 'winter-sale' });
  });

  it('accepts a partial enrichment with nothing found', () => {
    expect(safeParseWith(enrichedEventSchema, enrichedAnonymousView)).toEqual({
      ok: true,
      value: expect.objectContaining({
        enrichmentstatus: 'partial',
        enrichment: enrichedAnonymousView.enrichment,
      }),
    });
  });

  it('rejects a raw event without enrichment', () => {
    expect(safeParseWith(enrichedEventSchema, orderPlacedMinimal)).toEqual({
      ok: false,
      issues: [
        { path: 'enrichmentstatus', message: 'Invalid option: expected one of "complete"|"partial"' },
        { path: 'enrichment', message: 'Invalid input: expected object, received undefined' },
      ],
    });
  });

  it('reports problems inside the enrichment with their full path', () => {
    const event = {
      ...enrichedOrder,
      enrichment: {
        ...enrichedOrder.enrichment,
        geo: { ...enrichedOrder.enrichment.geo, region: 'atlantis' },
        customer: { ...enrichedOrder.enrichment.customer, accountAgeDays: -1 },
      },
    };
    const result = safeParseWith(enrichedEventSchema, event);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map(({ path }) => path)).toEqual([
      'enrichment.customer.accountAgeDays',
      'enrichment.geo.region',
    ]);
  });

  it('reports problems of the raw part as for raw events', () => {
    const event = { ...enrichedOrder, data: { ...enrichedOrder.data, lines: [] } };
    expect(safeParseWith(enrichedEventSchema, event)).toEqual({
      ok: false,
      issues: [{ path: 'data.lines', message: 'an order needs at least one line' }],
    });
    expect(safeParseWith(enrichedEventSchema, { ...enrichedOrder, type: 'com.pulse.nope.v1' })).toEqual({
      ok: false,
      issues: [{ path: 'type', message: 'unknown event type' }],
    });
  });
});
