import type { Kafka, ProducerBatch } from 'kafkajs';
import { Registry } from 'prom-client';
import { encodeEvent, EventType, type PulseEvent } from '@pulse/contracts';
import { PulseProducer, requestBytes, type PreparedRecord } from '@pulse/kafka';
import type { EncodedEvent } from '../events/prepare-event';
import { IngestionMetrics } from '../metrics/ingestion-metrics';
import { KafkaRawEventPublisher, rawRecordOf } from './kafka-raw-event-publisher';
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

interface Request {
  /** Event ids in the request, in order. */
  readonly ids: string[];
  settle(error?: Error): void;
}

/** kafkajs' producer as PulseProducer uses it: every produce request waits until the test settles it. */
function fakeKafka() {
  const requests: Request[] = [];
  const producer = {
    events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
    on: () => undefined,
    connect: async () => undefined,
    disconnect: async () => undefined,
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve, reject) => {
        const ids = (batch.topicMessages ?? []).flatMap(({ messages }) =>
          messages.map((message) => (JSON.parse(String(message.value)) as { id: string }).id),
        );
        requests.push({ ids, settle: (error) => (error ? reject(error) : resolve([])) });
      }),
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, requests };
}

async function settled(promise: Promise<unknown>): Promise<'resolved' | Error> {
  return promise.then(
    () => 'resolved' as const,
    (error: unknown) => error as Error,
  );
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const microtasks = async () => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
};

describe('KafkaRawEventPublisher', () => {
  let requests: Request[];
  let producer: PulseProducer;
  let publisher: KafkaRawEventPublisher;
  /** Event ids whose producer span ended. */
  let endedSpans: string[];

  async function setUp(options: { maxRequestBytes?: number; metrics?: IngestionMetrics } = {}) {
    const fake = fakeKafka();
    requests = fake.requests;
    producer = new PulseProducer(fake.kafka, undefined, {
      maxQueuedRecords: 10,
      ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    });
    endedSpans = [];
    const prepare = producer.prepare.bind(producer);
    jest.spyOn(producer, 'prepare').mockImplementation((record) => {
      const prepared: PreparedRecord = prepare(record);
      const end = prepared.span.end.bind(prepared.span);
      jest.spyOn(prepared.span, 'end').mockImplementation((time) => {
        endedSpans.push((JSON.parse(String(record.value)) as { id: string }).id);
        end(time);
      });
      return prepared;
    });
    await producer.connect();
    publisher = new KafkaRawEventPublisher(
      producer,
      { topic: 'events.raw', timeoutMs: 1000 },
      options.metrics,
    );
  }

  beforeEach(() => setUp());

  it('builds the record: keyed by partition key, event headers, timestamp = event time', () => {
    const record = rawRecordOf('events.raw', event('e1', 'cust-9'));
    expect(record.key).toBe('cust-9');
    expect(record.timestamp).toBe(Date.parse('2026-11-24T12:00:00.000Z'));
    expect(record.headers).toMatchObject({
      'content-type': 'application/cloudevents+json; charset=UTF-8',
      'pulse-event-id': 'e1',
      'pulse-event-type': EventType.ProductViewed,
    });
    expect(JSON.parse(String(record.value))).toMatchObject({ id: 'e1', customerid: 'cust-9' });
  });

  it('stops merging at the byte limit per Kafka request', async () => {
    const two = ['e1', 'e2'].map((id) => rawRecordOf('events.raw', event(id)));
    await setUp({ maxRequestBytes: requestBytes(two) });
    const all = ['e1', 'e2', 'e3', 'e4'].map((id) => publisher.publish([event(id)]));
    await flush();
    requests[0]!.settle();
    await flush();
    requests[1]!.settle();
    await flush();
    requests[2]!.settle();
    await Promise.all(all);
    expect(requests.map((request) => request.ids)).toEqual([['e1'], ['e2', 'e3'], ['e4']]);
  });

  it('resolves only after Kafka acknowledged the events, and ends their spans then', async () => {
    const publishing = publisher.publish([event('e1')]);
    let done = false;
    void publishing.then(() => (done = true));
    await flush();
    expect(requests).toHaveLength(1);
    expect(done).toBe(false);
    expect(endedSpans).toEqual([]);
    requests[0]!.settle();
    await publishing;
    expect(done).toBe(true);
    expect(endedSpans).toEqual(['e1']);
  });

  it('merges requests that arrive while a send is in flight into the next send, in order', async () => {
    const first = publisher.publish([event('e1')]);
    const second = publisher.publish([event('e2')]);
    const third = publisher.publish([event('e3'), event('e4')]);
    await flush();
    expect(requests.map((request) => request.ids)).toEqual([['e1']]);
    requests[0]!.settle();
    await first;
    await flush();
    expect(requests.map((request) => request.ids)).toEqual([['e1'], ['e2', 'e3', 'e4']]);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await flush();
    expect(secondDone).toBe(false);
    requests[1]!.settle();
    expect(await settled(second)).toBe('resolved');
    expect(await settled(third)).toBe('resolved');
  });

  it('fails every request of a send Kafka refused with a 503 reason', async () => {
    const first = publisher.publish([event('e1')]);
    await flush();
    const second = publisher.publish([event('e2')]);
    const third = publisher.publish([event('e3')]);
    requests[0]!.settle();
    await first;
    await flush();
    requests[1]!.settle(new Error('broker gone'));
    for (const outcome of [await settled(second), await settled(third)]) {
      expect(outcome).toBeInstanceOf(PublishUnavailableError);
      expect((outcome as PublishUnavailableError).message).toMatch(/broker gone/);
      expect((outcome as PublishUnavailableError).retryAfterSeconds).toBe(5);
    }
  });

  it('refuses at once when the producer is not connected or its queue is full', async () => {
    const disconnected = new KafkaRawEventPublisher(new PulseProducer(fakeKafka().kafka), {
      topic: 'events.raw',
      timeoutMs: 1000,
    });
    await expect(disconnected.publish([event('e1')])).rejects.toThrow('not connected to Kafka');

    const first = publisher.publish([event('e1')]); // in flight: not queued
    const queued = publisher.publish(Array.from({ length: 10 }, (_, i) => event(`q${i}`)));
    expect(producer.isSaturated()).toBe(true);
    await expect(publisher.publish([event('e2')])).rejects.toMatchObject({
      retryAfterSeconds: 1,
      message: 'too many events are waiting for Kafka',
    });
    requests[0]!.settle();
    await first;
    await flush();
    requests[1]!.settle();
    expect(await settled(queued)).toBe('resolved');
    expect(requests.map((request) => request.ids.length)).toEqual([1, 10]);
  });

  it('refuses a request that would overfill the queue, without touching the queued ones', async () => {
    const first = publisher.publish([event('e1')]);
    const queued = publisher.publish(Array.from({ length: 9 }, (_, i) => event(`q${i}`)));
    await expect(publisher.publish([event('x1'), event('x2')])).rejects.toThrow(
      'too many events are waiting for Kafka',
    );
    const fits = publisher.publish([event('x3')]);
    await flush();
    requests[0]!.settle();
    await first;
    await flush();
    expect(requests[1]!.ids).toEqual([...Array.from({ length: 9 }, (_, i) => `q${i}`), 'x3']);
    requests[1]!.settle();
    expect(await settled(queued)).toBe('resolved');
    expect(await settled(fits)).toBe('resolved');
  });

  it('reports the queue and the duration of each Kafka request', async () => {
    const registry = new Registry();
    await setUp({ metrics: new IngestionMetrics(registry) });
    const value = async (name: string) =>
      (await registry.getMetricsAsJSON()).find((metric) => metric.name === name)?.values;
    const first = publisher.publish([event('e1')]);
    const second = publisher.publish([event('e2'), event('e3')]);
    expect((await value('pulse_ingestion_publish_queue_events'))?.[0]?.value).toBe(2);
    requests[0]!.settle();
    await first;
    expect((await value('pulse_ingestion_publish_queue_events'))?.[0]?.value).toBe(0);
    requests[1]!.settle(new Error('broker gone'));
    await settled(second);
    const histogram = await registry.getSingleMetric('pulse_ingestion_publish_duration_seconds')!.get();
    const counts = histogram.values.filter(
      (sample) =>
        'metricName' in sample && sample.metricName === 'pulse_ingestion_publish_duration_seconds_count',
    );
    expect(counts.map((sample) => [sample.labels['outcome'], sample.value])).toEqual([
      ['acknowledged', 1],
      ['failed', 1],
    ]);
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
      expect((first as Error).message).toMatch(/within 1000 ms/);
      // e2 never reached Kafka: its span is closed, it left the queue and will not be sent later.
      expect(endedSpans).toEqual(['e2']);
      expect(producer.queuedRecords()).toBe(0);
      await expect(publisher.publish([event('e3')])).rejects.toThrow('Kafka is not acknowledging writes');

      requests[0]!.settle();
      await microtasks();
      expect(requests).toHaveLength(1);
      const after = publisher.publish([event('e4')]);
      await microtasks();
      requests[1]!.settle();
      expect(await settled(after)).toBe('resolved');
      expect(requests.map((request) => request.ids)).toEqual([['e1'], ['e4']]);
    });
  });
});
