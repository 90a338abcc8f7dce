import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADER, deadLetterRecord, readDeadLetter, undeliveredOutputRecord } from './dead-letter';
import { toConsumedMessage, type ConsumedMessage } from './message';

const source: ConsumedMessage = {
  topic: 'p.events.raw',
  partition: 2,
  offset: '1234',
  key: Buffer.from('cust-1'),
  value: Buffer.from('{"not":"an event"}'),
  headers: {
    ce_type: 'com.pulse.order.placed.v1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
  timestamp: 1_764_000_000_000,
};
const reason = {
  errorClass: 'ContractViolation',
  errorMessage: 'invalid event: time: must be an RFC 3339 timestamp with a time zone',
  attempts: 3,
  firstFailureTime: new Date('2026-11-24T10:00:00.000Z'),
};

/** What a consumer of the dead-letter topic sees: kafkajs hands header values over as Buffers. */
function asConsumed(record: ReturnType<typeof deadLetterRecord>, offset = '7'): ConsumedMessage {
  const raw: KafkaMessage = {
    key: record.key === null ? null : Buffer.from(record.key),
    value: record.value === null ? null : Buffer.from(record.value),
    timestamp: String(record.timestamp),
    attributes: 0,
    offset,
    headers: Object.fromEntries(
      Object.entries(record.headers ?? {}).map(([name, value]) => [name, Buffer.from(value)]),
    ),
  };
  return toConsumedMessage(record.topic, 0, raw);
}

describe('deadLetterRecord', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T10:00:05.000Z') }));
  afterEach(() => jest.useRealTimers());

  it('keeps the original key, bytes, timestamp and headers, and adds every DLQ header', () => {
    const record = deadLetterRecord('p.dead-letter', 'enrichment', source, reason);
    expect(record).toEqual({
      topic: 'p.dead-letter',
      key: source.key,
      value: source.value,
      timestamp: source.timestamp,
      headers: {
        ...source.headers,
        'pulse-dlq-kind': 'message',
        'pulse-dlq-error-class': 'ContractViolation',
        'pulse-dlq-error-message': reason.errorMessage,
        'pulse-dlq-source-topic': 'p.events.raw',
        'pulse-dlq-source-partition': '2',
        'pulse-dlq-source-offset': '1234',
        'pulse-dlq-service': 'enrichment',
        'pulse-dlq-attempts': '3',
        'pulse-dlq-first-failure-time': '2026-11-24T10:00:00.000Z',
        'pulse-dlq-dead-lettered-at': '2026-11-24T10:00:05.000Z',
      },
    });
    expect(Object.values(DLQ_HEADER).every((name) => record.headers?.[name] !== undefined)).toBe(true);
  });

  it('replaces the DLQ headers of a re-driven message that failed again', () => {
    const first = asConsumed(deadLetterRecord('p.dead-letter', 'enrichment', source, reason));
    const redriven: ConsumedMessage = { ...first, topic: 'p.events.raw', partition: 1, offset: '99' };
    const again = deadLetterRecord('p.dead-letter', 'aggregation', redriven, { ...reason, attempts: 1 });
    expect(again.headers).toMatchObject({
      [DLQ_HEADER.service]: 'aggregation',
      [DLQ_HEADER.sourcePartition]: '1',
      [DLQ_HEADER.sourceOffset]: '99',
      [DLQ_HEADER.attempts]: '1',
    });
    expect(Object.keys(again.headers ?? {}).sort()).toEqual(
      [...Object.keys(source.headers), ...Object.values(DLQ_HEADER)].sort(),
    );
  });

  it('truncates very long error messages', () => {
    const record = deadLetterRecord('dlq', 'svc', source, { ...reason, errorMessage: 'x'.repeat(5_000) });
    expect(record.headers?.[DLQ_HEADER.errorMessage]).toHaveLength(2_000);
  });

  it('keeps a tombstone and a null key as they were', () => {
    const record = deadLetterRecord('dlq', 'svc', { ...source, key: null, value: null }, reason);
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
  });

  it('falls back to now when the source had no usable timestamp', () => {
    const record = deadLetterRecord('dlq', 'svc', { ...source, timestamp: Number.NaN }, reason);
    expect(record.timestamp).toBe(Date.parse('2026-11-24T10:00:05.000Z'));
  });
});

describe('readDeadLetter', () => {
  it('reads back what deadLetterRecord wrote', () => {
    const record = deadLetterRecord('p.dead-letter', 'enrichment', source, reason);
    expect(readDeadLetter(asConsumed(record))).toEqual({
      kind: 'message',
      errorClass: 'ContractViolation',
      errorMessage: reason.errorMessage,
      sourceTopic: 'p.events.raw',
      sourcePartition: 2,
      sourceOffset: '1234',
      service: 'enrichment',
      attempts: 3,
      firstFailureTime: '2026-11-24T10:00:00.000Z',
      originalHeaders: source.headers,
    });
  });

  it('gives recognisable defaults for a record without DLQ headers', () => {
    // Records written before the kind header existed are consumed messages.
    expect(readDeadLetter({ ...source, headers: { a: 'b' } })).toEqual({
      kind: 'message',
      errorClass: 'unknown',
      errorMessage: '',
      sourceTopic: '',
      sourcePartition: -1,
      sourceOffset: '',
      service: '',
      attempts: 0,
      firstFailureTime: '',
      originalHeaders: { a: 'b' },
    });
  });

  it('marks output a service could not deliver as such, naming where its input was read', () => {
    const record = undeliveredOutputRecord(
      'dead-letter',
      'aggregation',
      {
        key: null,
        value: 'm,t=x f=1i 1',
        sourceTopic: 'events.enriched',
        sourcePartition: 3,
        sourceOffset: '41',
      },
      {
        errorClass: 'InfluxRejectedError',
        errorMessage: 'field type conflict',
        attempts: 1,
        firstFailureTime: new Date(0),
      },
    );
    expect(Object.values(DLQ_HEADER).every((name) => record.headers?.[name] !== undefined)).toBe(true);
    expect(readDeadLetter(asConsumed(record))).toMatchObject({
      kind: 'output',
      errorClass: 'InfluxRejectedError',
      sourceTopic: 'events.enriched',
      sourcePartition: 3,
      sourceOffset: '41',
      service: 'aggregation',
    });
  });
});
