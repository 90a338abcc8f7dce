import { decodeCommitMetadata, replayMetadata, windowedMetricSchema } from '@pulse/contracts';
import { toEventFacts } from '../facts/event-facts';
import { changeSetLines } from '../output/influx-lines';
import { changeSetRecords } from '../output/windowed-records';
import { browseEvent, orderEvent, splitLine } from '../testing/test-events';
import { windowSpecs } from '../windows/window-spec';
import { PartitionAggregator, type AggregationSettings } from './partition-aggregator';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;
const settings: AggregationSettings = {
  windows: windowSpecs([MINUTE, 5 * MINUTE]),
  allowedLatenessMs: 30_000,
  dedupeHorizonMs: 5 * MINUTE + 30_000,
};

function lines(aggregator: PartitionAggregator): Map<string, string> {
  const changes = aggregator.takeChanges();
  aggregator.confirm(changes);
  return new Map(
    changeSetLines(aggregator.partition, changes).map((line) => [
      splitLine(line).identity,
      splitLine(line).fields,
    ]),
  );
}

function point(written: Map<string, string>, prefix: string, timeMs: number): string | undefined {
  for (const [identity, fields] of written) {
    if (identity.startsWith(`${prefix} `) && identity.endsWith(`@${timeMs}`)) return fields;
  }
  return undefined;
}

describe('PartitionAggregator', () => {
  it('counts orders per group: revenue per currency in minor units, orders, units, unique customers', () => {
    const aggregator = new PartitionAggregator(0, settings);
    const lines1 = [
      { productId: 'sku-a', category: 'books', quantity: 2, unitPrice: 19.99 },
      { productId: 'sku-b', category: 'toys', quantity: 1, unitPrice: 5 },
      { productId: 'sku-c', category: 'books', quantity: 1, unitPrice: 0.01 },
    ];
    aggregator.apply(toEventFacts(orderEvent('e1', T0 + 1_000, { customer: 'c1', lines: lines1 })), 0);
    aggregator.apply(
      toEventFacts(
        orderEvent('e2', T0 + 2_000, {
          customer: 'c1',
          region: 'asia',
          currency: 'JPY',
          lines: [{ productId: 'sku-a', category: 'books', quantity: 3, unitPrice: 1500 }],
        }),
      ),
      1,
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'e3', T0 + 3_000, { category: 'books' })), 2);
    aggregator.apply(toEventFacts(browseEvent('cart', 'e4', T0 + 4_000, { category: null })), 3);
    const written = lines(aggregator);

    const at = T0;
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', at)).toBe(
      'cart_adds=1i,customers=1i,final=F,orders=2i,units=7i,views=1i,watermark=1767225574000i',
    );
    expect(point(written, 'revenue,currency=USD,grouping=total,partition=0,window=1m', at)).toBe(
      'final=F,orders=1i,revenue=44.99,revenue_minor=4499i,units=4i,watermark=1767225574000i',
    );
    expect(point(written, 'revenue,currency=JPY,grouping=total,partition=0,window=1m', at)).toBe(
      'final=F,orders=1i,revenue=4500,revenue_minor=4500i,units=3i,watermark=1767225574000i',
    );
    // The first order counts once in books (two lines) and once in toys.
    expect(
      point(written, 'revenue,category=books,currency=USD,grouping=category,partition=0,window=1m', at),
    ).toBe('final=F,orders=1i,revenue=39.99,revenue_minor=3999i,units=3i,watermark=1767225574000i');
    expect(point(written, 'activity,category=books,grouping=category,partition=0,window=1m', at)).toBe(
      'cart_adds=0i,customers=1i,final=F,orders=2i,units=6i,views=1i,watermark=1767225574000i',
    );
    expect(point(written, 'activity,category=unknown,grouping=category,partition=0,window=1m', at)).toBe(
      'cart_adds=1i,customers=0i,final=F,orders=0i,units=0i,views=0i,watermark=1767225574000i',
    );
    expect(
      point(
        written,
        'activity,category=toys,grouping=category_region,partition=0,region=europe,window=1m',
        at,
      ),
    ).toContain('orders=1i');
    expect(point(written, 'activity,grouping=region,partition=0,region=asia,window=1m', at)).toContain(
      'orders=1i',
    );
    expect(point(written, 'product_sales,currency=USD,partition=0,product_id=sku-a,window=1m', at)).toBe(
      'category="books",final=F,orders=1i,revenue=39.98,revenue_minor=3998i,units=2i,watermark=1767225574000i',
    );
    expect(point(written, 'product_sales,currency=JPY,partition=0,product_id=sku-a,window=5m', at)).toContain(
      'revenue_minor=4500i',
    );
  });

  it('never merges a late event into its closed window; counts it as late in the newest window', () => {
    const aggregator = new PartitionAggregator(0, { ...settings, windows: windowSpecs([MINUTE]) });
    aggregator.apply(
      toEventFacts(
        orderEvent('e1', T0 + 10_000, {
          lines: [{ productId: 'p', category: 'books', quantity: 1, unitPrice: 10 }],
        }),
      ),
      0,
    );
    // Watermark = 00:02:00 - 30s = 00:01:30, past the end of [00:00, 00:01).
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 2 * MINUTE)), 1);
    const outcome = aggregator.apply(
      toEventFacts(
        orderEvent('late', T0 + 20_000, {
          region: 'asia',
          lines: [{ productId: 'p', category: 'toys', quantity: 2, unitPrice: 7.5 }],
        }),
      ),
      2,
    );
    expect(outcome).toBe('late');
    const written = lines(aggregator);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0)).toContain('orders=1i');
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0)).toContain('final=T');
    expect(point(written, 'late_activity,grouping=total,partition=0,window=1m', T0 + 2 * MINUTE)).toBe(
      'cart_adds=0i,events=1i,final=F,orders=1i,units=2i,views=0i,watermark=1767225690000i',
    );
    expect(
      point(
        written,
        'late_revenue,category=toys,currency=USD,grouping=category_region,partition=0,region=asia,window=1m',
        T0 + 2 * MINUTE,
      ),
    ).toContain('revenue_minor=1500i');
    // Nothing was written for toys in the closed window.
    expect(
      point(written, 'activity,category=toys,grouping=category,partition=0,window=1m', T0),
    ).toBeUndefined();
  });

  it('does not let a future-dated event move the watermark past when ingestion accepted it', () => {
    const aggregator = new PartitionAggregator(0, { ...settings, windows: windowSpecs([MINUTE]) });
    const at = (event: ReturnType<typeof browseEvent>, ingestedMs: number) => ({
      ...event,
      ingestedat: new Date(ingestedMs).toISOString(),
    });
    aggregator.apply(toEventFacts(at(browseEvent('view', 'on-time-1', T0 + 10_000), T0 + 10_100)), 0);
    // A client whose clock runs five minutes ahead (or an attacker), accepted at T0 + 20 s.
    const future = aggregator.apply(
      toEventFacts(at(browseEvent('view', 'future', T0 + 5 * MINUTE + 20_000), T0 + 20_000)),
      1,
    );
    expect(future).toBe('counted');
    expect(aggregator.watermark).toBe(T0 + 20_000 - 30_000);
    // Another customer's event of the first minute, accepted on time, still counts on time.
    const onTime = aggregator.apply(
      toEventFacts(at(browseEvent('view', 'on-time-2', T0 + 40_000), T0 + 40_200)),
      2,
    );
    expect(onTime).toBe('counted');
    const written = lines(aggregator);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0)).toContain('views=2i');
    // The future-dated view counts in the window of its own time, which stays open.
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0 + 5 * MINUTE)).toContain(
      'views=1i',
    );
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0 + 5 * MINUTE)).toContain(
      'final=F',
    );
    // Ids stay remembered for the horizon in accepted time: a retry of the first one is caught.
    const retry = aggregator.apply(
      toEventFacts(at(browseEvent('view', 'on-time-1', T0 + 10_000), T0 + 50_000)),
      3,
    );
    expect(retry).toBe('duplicate');
  });

  it('counts a duplicate event id once, also when the duplicate arrives after its window closed', () => {
    const aggregator = new PartitionAggregator(0, {
      ...settings,
      windows: windowSpecs([MINUTE]),
      dedupeHorizonMs: 90_000,
    });
    const order = toEventFacts(
      orderEvent('e1', T0 + 1_000, {
        lines: [{ productId: 'p', category: 'books', quantity: 1, unitPrice: 10 }],
      }),
    );
    expect(aggregator.apply(order, 0)).toBe('counted');
    expect(aggregator.apply(order, 1)).toBe('duplicate');
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 100_000)), 2);
    expect(aggregator.apply(order, 3)).toBe('duplicate');
    const written = lines(aggregator);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0)).toContain('orders=1i');
    expect([...written.keys()].some((identity) => identity.startsWith('late_'))).toBe(false);
  });

  it('writes a window final once, then forgets it', () => {
    const aggregator = new PartitionAggregator(0, { ...settings, windows: windowSpecs([MINUTE]) });
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 0);
    expect(point(lines(aggregator), 'activity,grouping=total,partition=0,window=1m', T0)).toContain(
      'final=F',
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + MINUTE + 30_000)), 1);
    const closing = lines(aggregator);
    expect(point(closing, 'activity,grouping=total,partition=0,window=1m', T0)).toBe(
      'cart_adds=0i,customers=0i,final=T,orders=0i,units=0i,views=1i,watermark=1767225660000i',
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'e3', T0 + MINUTE + 31_000)), 2);
    expect(point(lines(aggregator), 'activity,grouping=total,partition=0,window=1m', T0)).toBeUndefined();
    expect(aggregator.openWindows).toBe(1);
  });

  it('emits window results that satisfy the metrics.windowed contract', () => {
    const aggregator = new PartitionAggregator(2, settings);
    aggregator.apply(
      toEventFacts(
        orderEvent('e1', T0 + 1_000, {
          lines: [{ productId: 'p', category: 'books', quantity: 1, unitPrice: 10 }],
        }),
      ),
      0,
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 10 * MINUTE)), 1);
    aggregator.apply(
      toEventFacts(
        orderEvent('late', T0 + 2_000, {
          lines: [{ productId: 'p', category: 'books', quantity: 1, unitPrice: 1 }],
        }),
      ),
      2,
    );
    const changes = aggregator.takeChanges();
    const records = changeSetRecords('metrics.windowed', 2, changes);
    expect(records.length).toBeGreaterThan(0);
    const metrics = records.map((record) => windowedMetricSchema.parse(JSON.parse(String(record.value))));
    const total = metrics.find(
      (metric) => metric.grouping === 'total' && metric.windowSizeMs === MINUTE && metric.final,
    );
    expect(total).toMatchObject({
      orders: 1,
      revenueMinor: { USD: 1000 },
      revenue: { USD: 10 },
      sourcePartition: 2,
    });
    const late = metrics.find(
      (metric) => metric.grouping === 'total' && metric.windowSizeMs === MINUTE && metric.lateOrders === 1,
    );
    expect(late).toMatchObject({
      final: false,
      lateRevenueMinor: { USD: 100 },
      windowStart: '2026-01-01T00:10:00.000Z',
    });
    expect(records[0]?.key).toBe('60000|2026-01-01T00:00:00.000Z|total|||');
  });

  it('commits the first offset still feeding open state, with the max event time before it', () => {
    const aggregator = new PartitionAggregator(0, {
      ...settings,
      windows: windowSpecs([MINUTE]),
      dedupeHorizonMs: 90_000,
    });
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 10);
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 2_000)), 11);
    let commit = aggregator.commitPoint(11);
    expect(commit.offset).toBe('10');
    expect(decodeCommitMetadata(commit.metadata)).toEqual({
      maxEventTime: Number.NEGATIVE_INFINITY,
      frontier: Number.NEGATIVE_INFINITY,
    });
    // Far ahead: the first windows close and their ids leave the horizon, once written.
    aggregator.apply(toEventFacts(browseEvent('view', 'e3', T0 + 10 * MINUTE)), 12);
    aggregator.apply(toEventFacts(browseEvent('view', 'e4', T0 + 10 * MINUTE + 1)), 13);
    commit = aggregator.commitPoint(13);
    expect(commit.offset).toBe('10'); // the closed window is not written yet
    lines(aggregator);
    commit = aggregator.commitPoint(13);
    expect(commit.offset).toBe('12');
    expect(decodeCommitMetadata(commit.metadata)).toEqual({
      maxEventTime: T0 + 2_000,
      frontier: T0 + 10 * MINUTE + 1 - 30_000,
    });
  });

  it('writes nothing but final windows while catching up, then every open window in full', () => {
    const aggregator = new PartitionAggregator(
      0,
      { ...settings, windows: windowSpecs([MINUTE]) },
      {
        maxEventTime: Number.NEGATIVE_INFINITY,
        frontier: Number.NEGATIVE_INFINITY,
        catchUpUntil: 3,
      },
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 0);
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 2 * MINUTE)), 1);
    const during = lines(aggregator);
    expect([...during.keys()].every((identity) => identity.endsWith(`@${T0}`))).toBe(true);
    expect(point(during, 'activity,grouping=total,partition=0,window=1m', T0)).toContain('final=T');
    expect(aggregator.catchingUp).toBe(true);
    aggregator.apply(toEventFacts(browseEvent('view', 'e3', T0 + 2 * MINUTE + 1)), 2);
    expect(aggregator.catchingUp).toBe(false);
    expect(
      point(lines(aggregator), 'activity,grouping=total,partition=0,window=1m', T0 + 2 * MINUTE),
    ).toContain('views=2i');
  });

  it('after a reprocess, writes only windows from its start: stragglers of earlier windows are partial', () => {
    // `pulse reprocess --from T0+2m`: every record before the replay's first offset is earlier
    // than T0+2m; the replay reads stragglers of the minute before, then whole windows.
    const from = T0 + 2 * MINUTE;
    const { maxEventTime, frontier } = replayMetadata(from);
    const aggregator = new PartitionAggregator(
      0,
      { ...settings, windows: windowSpecs([MINUTE]) },
      { maxEventTime, frontier, catchUpUntil: 4 },
    );
    aggregator.apply(toEventFacts(browseEvent('view', 'late-1', from - 10_000)), 0);
    aggregator.apply(toEventFacts(browseEvent('view', 'on-1', from + 1_000)), 1);
    aggregator.apply(toEventFacts(browseEvent('view', 'late-2', from - 5_000)), 2);
    // Caught up with the straggler's window still open (the watermark is before `from`).
    aggregator.apply(toEventFacts(browseEvent('view', 'on-2', from + 2_000)), 3);
    expect(aggregator.catchingUp).toBe(false);
    let written = lines(aggregator);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', from - MINUTE)).toBeUndefined();
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', from)).toContain('views=2i');
    // The watermark passes both windows: the one from `from` on is final, the earlier one dropped.
    aggregator.apply(toEventFacts(browseEvent('view', 'on-3', from + 2 * MINUTE)), 4);
    written = lines(aggregator);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', from - MINUTE)).toBeUndefined();
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', from)).toMatch(
      /final=T.*views=2i/,
    );
  });

  it('rewrites a window whose write failed whole when asked to resettle, closed ones as finals', () => {
    const oneMinute = { ...settings, windows: windowSpecs([MINUTE]), dedupeHorizonMs: 90_000 };
    const aggregator = new PartitionAggregator(0, oneMinute);
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 0);
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 10 * MINUTE)), 1); // closes window T0
    aggregator.restore(aggregator.takeChanges()); // outcome unknown: it may land after the retry
    aggregator.confirm(aggregator.takeChanges()); // the retry succeeds
    expect(aggregator.unsettledWindows).toBe(2); // the closed window and the open one beside it
    expect(aggregator.takeChanges().finals).toEqual([]); // nothing more unless asked

    const resettle = aggregator.takeChanges({ resettle: true });
    expect(resettle.resettled).toHaveLength(2);
    expect(resettle.finals.map((window) => window.start)).toEqual([T0]);
    const written = new Map(
      changeSetLines(0, resettle).map((line) => [splitLine(line).identity, splitLine(line).fields]),
    );
    aggregator.confirm(resettle);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0)).toMatch(/final=T.*views=1i/);
    expect(point(written, 'activity,grouping=total,partition=0,window=1m', T0 + 10 * MINUTE)).toContain(
      'views=1i',
    );
    expect(aggregator.unsettledWindows).toBe(0);
  });

  it('leaves nothing unsettled when the failed write is known not to have been sent', () => {
    const aggregator = new PartitionAggregator(0, { ...settings, windows: windowSpecs([MINUTE]) });
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 0);
    aggregator.restore(aggregator.takeChanges(), { ambiguous: false });
    expect(aggregator.unsettledWindows).toBe(0);
    expect(point(lines(aggregator), 'activity,grouping=total,partition=0,window=1m', T0)).toContain(
      'views=1i',
    );
  });

  it('writes a failed flush again', () => {
    const aggregator = new PartitionAggregator(0, { ...settings, windows: windowSpecs([MINUTE]) });
    aggregator.apply(toEventFacts(browseEvent('view', 'e1', T0 + 1_000)), 0);
    aggregator.apply(toEventFacts(browseEvent('view', 'e2', T0 + 2 * MINUTE)), 1);
    const failed = aggregator.takeChanges();
    expect(failed.finals).toHaveLength(1);
    aggregator.restore(failed);
    expect(aggregator.commitPoint(1).offset).toBe('0');
    const retried = aggregator.takeChanges();
    expect(retried.finals).toHaveLength(1);
    expect(retried.updates.map((update) => update.window.start)).toEqual([T0 + 2 * MINUTE]);
  });

  it('ignores inventory events: no metric, no watermark move', () => {
    const aggregator = new PartitionAggregator(0, settings);
    const inventory = {
      ...browseEvent('view', 'i1', T0 + 99 * MINUTE),
      type: 'com.pulse.inventory.level_changed.v1',
      data: { productId: 'p', stock: 1 },
    };
    expect(aggregator.apply(toEventFacts(inventory as never), 0)).toBe('ignored');
    expect(aggregator.maxEventTimeSeen).toBe(Number.NEGATIVE_INFINITY);
  });
});
