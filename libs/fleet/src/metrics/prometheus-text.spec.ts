import { parsePrometheusText, sumOf } from './prometheus-text';

const TEXT = `# HELP pulse_kafka_messages_processed_total Messages handled successfully
# TYPE pulse_kafka_messages_processed_total counter
pulse_kafka_messages_processed_total{topic="events.raw",group="pulse-enrichment"} 120
pulse_kafka_messages_processed_total{topic="reference.products",group="pulse-enrichment"} 30
pulse_kafka_consumer_lag{topic="events.raw",group="pulse-enrichment",partition="0"} 4
pulse_kafka_consumer_lag{topic="events.raw",group="pulse-enrichment",partition="1"} 6
pulse_ingestion_events_total{outcome="accepted"} 1.5e3
odd_label{path="a \\"quoted\\" \\\\ value\\nnext"} 1 1700000000000
up 1
histogram_bucket{le="+Inf"} +Inf
`;

describe('parsePrometheusText', () => {
  const samples = parsePrometheusText(TEXT);

  it('reads names, labels and values, skipping comments', () => {
    expect(samples).toHaveLength(8);
    expect(samples[0]).toEqual({
      name: 'pulse_kafka_messages_processed_total',
      labels: { topic: 'events.raw', group: 'pulse-enrichment' },
      value: 120,
    });
    expect(samples.find((sample) => sample.name === 'up')).toEqual({ name: 'up', labels: {}, value: 1 });
    expect(samples.find((sample) => sample.name === 'histogram_bucket')?.value).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('unescapes label values and ignores timestamps', () => {
    expect(samples.find((sample) => sample.name === 'odd_label')).toEqual({
      name: 'odd_label',
      labels: { path: 'a "quoted" \\ value\nnext' },
      value: 1,
    });
  });

  it('sums samples by name and label filter', () => {
    expect(sumOf(samples, 'pulse_kafka_consumer_lag')).toBe(10);
    expect(sumOf(samples, 'pulse_kafka_messages_processed_total', { topic: 'events.raw' })).toBe(120);
    expect(sumOf(samples, 'pulse_ingestion_events_total', { outcome: 'accepted' })).toBe(1500);
    expect(sumOf(samples, 'missing')).toBe(0);
  });
});
