import { encodeEvent, EventType, type PulseEvent } from '@pulse/contracts';
import type { EncodedEvent } from '../events/prepare-event';
import type { OutgoingRecord, PreparedRecord } from '@pulse/kafka';
import { KafkaRawEventPublisher, rawRecordOf, type RecordProducer } from './kafka-raw-event-publisher';
import { PublishUnavailableError } from './raw-event-publisher';

function event(id: string, customerid = `c-${id}`): EncodedEvent {
  const pulseEvent: PulseEvent = {
    specversion: '1.0',
    id,
    source: 'test',
    type: EventType.ProductViewed,
    time: '2026-11-24T12:00:00.000Z',
    datacontenttype: 'application/json',
    customerid,
    data: { productId: 'p-1' },
  };
  return { event: pulseEvent, value: encodeEvent(pulseEvent) };
}

interface Deferred {
  records: OutgoingRecord[];
  resolve(): void;
  reject(error: Error): void;
}

class FakeProducer implements RecordProducer {
  connected = true;
  saturated = false;
  readonly sends: Deferred[] = [];
  readonly endedSpans: string[] = [];

  isConnected(): boolean {
    return this.connected;
  }
  isSaturated(): boolean {
    return this.saturated;
  }
  prepare(record: OutgoingRecord): PreparedRecord {
    const span = { end: () => this.endedSpans.push(record.headers?.ce_id ?? '') };
    return { record, span } as unknown as PreparedRecord;
  }
  sendPrepared(prepared: readonly PreparedRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sends.push({ records: prepared.map((item) => item.record), resolve, reject });
    });
  }
}

async function settled(promise: Promise<unknown>): Promise<'resolved' | Error> {
  return promise.then(
    () => 'resolved' as const,
    (error: unknown) => error as Error,
  );
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const microtasks = async () => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

describe('KafkaRawEventPublisher', () => {
  let producer: FakeProducer;
  let publisher: KafkaRawEventPublisher;

  beforeEach(() => {
    producer = new FakeProducer();
    publisher = new KafkaRawEventPublisher(producer, {
      topic: 'events.raw',
      timeoutMs: 1000,
      maxQueuedEvents: 10,
    });
  });

  it('builds the record: keyed by partition key, CloudEvents headers, timestamp = event time', () => {
    const record = rawRecordOf('events.raw', event('e1', 'cust-9'));
    expect(record.key).toBe('cust-9');
    expect(record.timestamp).toBe(Date.parse('2026-11-24T12:00:00.000Z'));
    expect(record.headers).toMatchObject({ ce_id: 'e1', ce_type: EventType.ProductViewed });
    expect(JSON.parse(String(record.value))).toMatchObject({ id: 'e1', customerid: 'cust-9' });
  });

  it('stops merging at the byte limit per Kafka request', async () => {
    const small = new KafkaRawEventPublisher(producer, {
      topic: 'events.raw',
      timeoutMs: 1000,
      maxQueuedEvents: 10,
      maxBytesPerSend: event('e1').value.length * 2,
    });
    const all = ['e1', 'e2', 'e3', 'e4'].map((id) => small.publish([event(id)]));
    await flush();
    producer.sends[0]!.resolve();
    await flush();
    producer.sends[1]!.resolve();
    await flush();
    producer.sends[2]!.resolve();
    await Promise.all(all);
    expect(producer.sends.map((send) => send.records.map((record) => record.headers?.ce_id))).toEqual([
      ['e1'],
      ['e2', 'e3'],
      ['e4'],
    ]);
  });

  it('resolves only after Kafka acknowledged the events', async () => {
    const publishing = publisher.publish([event('e1')]);
    let done = false;
    void publishing.then(() => (done = true));
    await flush();
    expect(producer.sends).toHaveLength(1);
    expect(done).toBe(false);
    producer.sends[0]!.resolve();
    await publishing;
    expect(done).toBe(true);
  });

  it('merges requests that arrive while a send is in flight into the next send', async () => {
    const first = publisher.publish([event('e1')]);
    const second = publisher.publish([event('e2')]);
    const third = publisher.publish([event('e3'), event('e4')]);
    await flush();
    expect(producer.sends.map((send) => send.records.length)).toEqual([1]);
    producer.sends[0]!.resolve();
    await first;
    await flush();
    expect(producer.sends.map((send) => send.records.map((record) => record.headers?.ce_id))).toEqual([
      ['e1'],
      ['e2', 'e3', 'e4'],
    ]);
    producer.sends[1]!.resolve();
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('resolved');
  });

  it('fails every request of a send Kafka refused with a 503 reason', async () => {
    const first = publisher.publish([event('e1')]);
    await flush();
    producer.sends[0]!.reject(new Error('broker gone'));
    const outcome = await settled(first);
    expect(outcome).toBeInstanceOf(PublishUnavailableError);
    expect((outcome as PublishUnavailableError).message).toMatch(/broker gone/);
    expect((outcome as PublishUnavailableError).retryAfterSeconds).toBe(5);
  });

  it('refuses at once when the producer is not connected or saturated', async () => {
    producer.connected = false;
    await expect(publisher.publish([event('e1')])).rejects.toThrow('not connected to Kafka');
    producer.connected = true;
    producer.saturated = true;
    await expect(publisher.publish([event('e1')])).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(producer.sends).toHaveLength(0);
  });

  it('refuses a request that would overfill the queue, without touching the queued ones', async () => {
    const first = publisher.publish([event('e1')]);
    const queued = publisher.publish(Array.from({ length: 10 }, (_, i) => event(`q${i}`)));
    await expect(publisher.publish([event('extra')])).rejects.toThrow(
      'too many events are waiting for Kafka',
    );
    await flush();
    producer.sends[0]!.resolve();
    await first;
    await flush();
    producer.sends[1]!.resolve();
    expect(await settled(queued)).toBe('resolved');
  });

  describe('when Kafka does not answer', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('times out, drops requests that were never sent, and then refuses at once', async () => {
      const inFlight = settled(publisher.publish([event('e1')]));
      const waiting = settled(publisher.publish([event('e2')]));
      jest.advanceTimersByTime(1001);
      const [first, second] = await Promise.all([inFlight, waiting]);
      expect(first).toBeInstanceOf(PublishUnavailableError);
      expect(second).toBeInstanceOf(PublishUnavailableError);
      // e2 never reached Kafka: its span is closed and it will not be sent later.
      expect(producer.endedSpans).toEqual(['e2']);
      await expect(publisher.publish([event('e3')])).rejects.toThrow('Kafka is not acknowledging writes');

      producer.sends[0]!.resolve();
      await microtasks();
      expect(producer.sends).toHaveLength(1);
      const after = publisher.publish([event('e4')]);
      await microtasks();
      producer.sends[1]!.resolve();
      expect(await settled(after)).toBe('resolved');
      expect(producer.sends[1]!.records.map((record) => record.headers?.ce_id)).toEqual(['e4']);
    });
  });
});
