import type { OutgoingRecord, PulseProducer } from '@pulse/kafka';
import { createLogger } from '@pulse/observability';
import { TableKafkaDouble } from '@pulse/testing';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import type { KafkaClient } from '../state/tracked-table';
import { alertEvent } from '../testing/fixtures';
import type { Silence } from './silence';
import { SilenceStore } from './silence-store';

const TOPIC = 'alerts.silences';
const HOUR = 3_600_000;

/** Stands in for Kafka: the topic's records as the table reader would fetch them, and the writes. */
class FakeKafka {
  readonly sent: OutgoingRecord[] = [];
  failSends = false;
  private readonly table: TableKafkaDouble;

  constructor(stored: { key: string; value: string | null }[]) {
    this.table = new TableKafkaDouble({ topic: TOPIC, stored });
  }

  get client(): KafkaClient {
    return this.table.kafka;
  }

  readonly producer = {
    send: async (records: OutgoingRecord[]) => {
      if (this.failSends) throw new Error('broker down');
      this.sent.push(...records);
    },
  } as unknown as PulseProducer;

  deliver(records: { key: string; value: string | null }[], firstOffset: number): Promise<void> {
    return this.table.deliver(records, firstOffset);
  }
}

function stored(id: string, fields: Partial<Silence> = {}): { key: string; value: string } {
  const silence: Silence = {
    id,
    matchers: [{ name: 'category', value: 'elec.*', isRegex: true, isEqual: true }],
    startsAt: '2026-11-24T10:00:00.000Z',
    endsAt: '2026-11-24T14:00:00.000Z',
    createdBy: 'ops',
    comment: 'INC-1',
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:00:00.000Z',
    ...fields,
  };
  return { key: id, value: JSON.stringify(silence) };
}

describe('SilenceStore', () => {
  let clock: Date;
  let store: SilenceStore;
  let metrics: AlertMetrics;

  async function open(kafka: FakeKafka, retentionMs = 2 * HOUR): Promise<SilenceStore> {
    metrics = new AlertMetrics(new Registry());
    store = new SilenceStore(
      kafka.client,
      TOPIC,
      'test',
      kafka.producer,
      createLogger('alert-test', 'silent'),
      { retentionMs, metrics, sweepIntervalMs: HOUR },
      () => clock,
    );
    await store.start(1_000);
    await store.sweep();
    return store;
  }

  beforeEach(() => (clock = new Date('2026-11-24T12:00:00.000Z')));
  afterEach(() => store?.stop());

  const electronics = alertEvent({ labels: { category: 'electronics' } });
  const counted = async (counter: 'silencesSkipped' | 'silencesRemoved') =>
    (await metrics[counter].get()).values[0]?.value ?? 0;

  it('skips stored silences that fail validation, counts them, and uses the rest', async () => {
    const catastrophic = stored('old-lookahead', {
      matchers: [{ name: 'category', value: '(?=e)(a+)+$', isRegex: true, isEqual: true }],
    });
    const kafka = new FakeKafka([catastrophic, { key: 'garbage', value: '{not json' }, stored('good')]);
    await open(kafka);
    expect(store.isReady()).toBe(true);
    expect(store.list().map((silence) => silence.id)).toEqual(['good']);
    expect(store.silencing(electronics)).toEqual(['good']);
    expect(await counted('silencesSkipped')).toBe(2);
  });

  it('deletes silences expired longer than the retention: tombstone first, then from memory', async () => {
    const kafka = new FakeKafka([
      stored('long-over', { endsAt: '2026-11-24T09:00:00.000Z', startsAt: '2026-11-24T08:00:00.000Z' }),
      stored('just-over', { endsAt: '2026-11-24T11:00:00.000Z' }),
      stored('active'),
    ]);
    await open(kafka);
    // Loaded, then swept at once: the one over for 3 h (retention 2 h) is gone.
    expect(kafka.sent).toEqual([{ topic: TOPIC, key: 'long-over', value: null }]);
    expect(store.list().map((silence) => [silence.id, silence.state])).toEqual([
      ['just-over', 'expired'],
      ['active', 'active'],
    ]);

    // Expired by the API, it stays listed for the retention, then goes.
    await store.expire('active');
    clock = new Date('2026-11-24T13:30:00.000Z');
    await store.sweep();
    expect(store.list().map((silence) => silence.id)).toEqual(['active']);
    clock = new Date('2026-11-24T14:00:00.001Z');
    await store.sweep();
    expect(store.list()).toEqual([]);
    expect(kafka.sent.filter((record) => record.value === null).map((record) => record.key)).toEqual([
      'long-over',
      'just-over',
      'active',
    ]);
    expect(await counted('silencesRemoved')).toBe(3);
  });

  it('keeps an old silence when the tombstone is not acknowledged, and retries', async () => {
    const kafka = new FakeKafka([stored('active')]);
    await open(kafka, 0);
    kafka.failSends = true;
    await kafka.deliver([stored('late', { endsAt: '2026-11-24T11:30:00.000Z' })], 1);
    await store.sweep();
    expect(store.get('late')?.state).toBe('expired');
    kafka.failSends = false;
    await store.sweep();
    expect(store.get('late')).toBeUndefined();
    expect(kafka.sent).toEqual([{ topic: TOPIC, key: 'late', value: null }]);
  });

  it('forgets a silence when another instance wrote its tombstone', async () => {
    const kafka = new FakeKafka([stored('gone-elsewhere')]);
    await open(kafka);
    expect(store.silencing(electronics)).toEqual(['gone-elsewhere']);
    await kafka.deliver([{ key: 'gone-elsewhere', value: null }], 1);
    expect(store.get('gone-elsewhere')).toBeUndefined();
    expect(store.silencing(electronics)).toEqual([]);
  });

  it('deletes a stored silence that failed validation once it is over for the retention', async () => {
    const invalid = stored('invalid', {
      endsAt: '2026-11-24T11:00:00.000Z',
      matchers: [{ name: 'category', value: '(a)\\1', isRegex: true, isEqual: true }],
    });
    const kafka = new FakeKafka([invalid]);
    await open(kafka, 0);
    expect(kafka.sent).toEqual([{ topic: TOPIC, key: 'invalid', value: null }]);
  });
});
