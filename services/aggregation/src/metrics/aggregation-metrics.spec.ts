import { Registry } from 'prom-client';
import { AggregationMetrics, registerStateGauges, type PartitionState } from './aggregation-metrics';

function partition(number: number, state: Partial<PartitionState['aggregator']> = {}): PartitionState {
  return {
    partition: number,
    aggregator: {
      openWindows: 0,
      rememberedIds: 0,
      unsettledWindows: 0,
      catchingUp: false,
      watermark: Number.NEGATIVE_INFINITY,
      ...state,
    },
  };
}

describe('registerStateGauges', () => {
  it('reads the owned partitions at each scrape: sums, partitions catching up, and each finite watermark', async () => {
    const registry = new Registry();
    let owned: PartitionState[] = [
      partition(0, { openWindows: 3, rememberedIds: 100, unsettledWindows: 1, watermark: 1_700_000_000_000 }),
      partition(1, { openWindows: 2, rememberedIds: 50, catchingUp: true }),
      partition(2, { catchingUp: true, watermark: 1_700_000_060_000 }),
    ];
    registerStateGauges(registry, () => owned);
    const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values;

    expect(await value('pulse_aggregation_open_windows')).toEqual([{ value: 5, labels: {} }]);
    expect(await value('pulse_aggregation_remembered_event_ids')).toEqual([{ value: 150, labels: {} }]);
    expect(await value('pulse_aggregation_unsettled_windows')).toEqual([{ value: 1, labels: {} }]);
    expect(await value('pulse_aggregation_catching_up_partitions')).toEqual([{ value: 2, labels: {} }]);
    expect(await value('pulse_aggregation_watermark_timestamp_seconds')).toEqual([
      { value: 1_700_000_000, labels: { partition: '0' } },
      { value: 1_700_000_060, labels: { partition: '2' } },
    ]);

    // A rebalance took partitions away: their series go with them.
    owned = [partition(2, { watermark: 1_700_000_120_000 })];
    expect(await value('pulse_aggregation_open_windows')).toEqual([{ value: 0, labels: {} }]);
    expect(await value('pulse_aggregation_catching_up_partitions')).toEqual([{ value: 0, labels: {} }]);
    expect(await value('pulse_aggregation_watermark_timestamp_seconds')).toEqual([
      { value: 1_700_000_120, labels: { partition: '2' } },
    ]);
  });
});

describe('AggregationMetrics', () => {
  it('counts events by outcome, every outcome exported from the start so rate() sees its first event', async () => {
    const registry = new Registry();
    const metrics = new AggregationMetrics(registry);
    const counts = async () =>
      Object.fromEntries(
        ((await registry.getSingleMetric('pulse_aggregation_events_total')?.get())?.values ?? []).map(
          ({ labels, value }) => [labels['outcome'], value],
        ),
      );
    expect(await counts()).toEqual({ counted: 0, late: 0, duplicate: 0, ignored: 0 });

    metrics.countEvent('counted');
    metrics.countEvent('counted');
    metrics.countEvent('duplicate');
    metrics.countEvent('late');
    expect(await counts()).toEqual({ counted: 2, late: 1, duplicate: 1, ignored: 0 });
  });
});
