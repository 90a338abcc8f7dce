import { CompressionTypes, type Kafka, type ProducerBatch } from 'kafkajs';
import { Registry } from 'prom-client';
import { KafkaMetrics } from './kafka-metrics';
import { PulseProducer, requestBytes } from './producer';

/** The kafkajs producer surface PulseProducer uses, recording what it was asked to send. */
function fakeKafka() {
  const listeners = new Map<string, () => void>();
  const sent: ProducerBatch[] = [];
  const producer = {
    events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
    on: jest.fn((event: string, listener: () => void) => listeners.set(event, listener)),
    connect: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => listeners.get('producer.disconnect')?.()),
    sendBatch: jest.fn(async (batch: ProducerBatch) => {
      sent.push(batch);
      return [];
    }),
  };
  const config = jest.fn();
  const kafka = {
    producer: (options: unknown) => {
      config(options);
      return producer;
    },
  } as unknown as Kafka;
  return { kafka, producer, sent, config };
}

/** A kafkajs stand-in that makes a new producer for every `kafka.producer()`, each failing on demand. */
function renewingKafka() {
  const producers: {
    connect: jest.Mock;
    disconnect: jest.Mock;
    sendBatch: jest.Mock;
  }[] = [];
  let failSends = 0;
  let failConnects = 0;
  const kafka = {
    producer: () => {
      const producer = {
        events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
        on: jest.fn(),
        connect: jest.fn(async () => {
          if (failConnects > 0) {
            failConnects -= 1;
            throw new Error('connect ECONNREFUSED');
          }
        }),
        disconnect: jest.fn(async () => undefined),
        sendBatch: jest.fn(async () => {
          if (failSends > 0) {
            failSends -= 1;
            throw new Error('KafkaJSNumberOfRetriesExceeded: Request Produce timed out');
          }
          return [];
        }),
      };
      producers.push(producer);
      return producer;
    },
  } as unknown as Kafka;
  return {
    kafka,
    producers,
    failNextSend: () => (failSends += 1),
    failNextConnect: () => (failConnects += 1),
  };
}

describe('PulseProducer', () => {
  describe('after a failed send', () => {
    const record = { topic: 'a', key: 'k', value: 'v' };

    it('sends the next request under a new producer id, and lets the old producer go', async () => {
      const { kafka, producers, failNextSend } = renewingKafka();
      const registry = new Registry();
      const producer = new PulseProducer(kafka, new KafkaMetrics(registry));
      await producer.connect();
      await producer.send([record]);
      expect(producers).toHaveLength(1);

      failNextSend();
      await expect(producer.send([record])).rejects.toThrow(/timed out/);
      await producer.send([record]);
      expect(producers).toHaveLength(2);
      expect(producers[1]!.connect).toHaveBeenCalled();
      expect(producers[1]!.sendBatch).toHaveBeenCalledTimes(1);
      expect(producers[0]!.disconnect).toHaveBeenCalled();
      expect(producers[0]!.sendBatch).toHaveBeenCalledTimes(2);
      const renewals = await registry.getSingleMetric('pulse_kafka_producer_id_renewals_total')?.get();
      expect(renewals?.values[0]?.value).toBe(1);

      await producer.send([record]); // a success needs no new identity
      expect(producers).toHaveLength(2);
    });

    it('fails the send while no new producer can connect, and tries again on the next one', async () => {
      const { kafka, producers, failNextSend, failNextConnect } = renewingKafka();
      const producer = new PulseProducer(kafka);
      await producer.connect();
      failNextSend();
      await expect(producer.send([record])).rejects.toThrow(/timed out/);
      failNextConnect();
      await expect(producer.send([record])).rejects.toThrow(/ECONNREFUSED/);
      expect(producers[1]!.disconnect).toHaveBeenCalled(); // the one that could not connect
      expect(producers[0]!.sendBatch).toHaveBeenCalledTimes(1); // nothing more on the old identity
      await producer.send([record]);
      expect(producers).toHaveLength(3);
      expect(producers[2]!.sendBatch).toHaveBeenCalledTimes(1);
    });
  });

  it('is idempotent with one request in flight and no topic auto-creation', () => {
    const { kafka, config } = fakeKafka();
    new PulseProducer(kafka);
    expect(config).toHaveBeenCalledWith(
      expect.objectContaining({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }),
    );
  });

  it('sends records grouped by topic with acks=all, uncompressed by default, keys, headers and timestamps', async () => {
    const { kafka, sent } = fakeKafka();
    const producer = new PulseProducer(kafka);
    await producer.send([
      { topic: 'a', key: 'k1', value: 'v1', headers: { h: '1' }, timestamp: 1_764_000_000_000 },
      { topic: 'b', key: null, value: null },
      { topic: 'a', key: Buffer.from('k2'), value: Buffer.from('v2') },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ acks: -1, compression: CompressionTypes.None });
    expect(sent[0]!.topicMessages).toEqual([
      {
        topic: 'a',
        messages: [
          { key: 'k1', value: 'v1', headers: { h: '1' }, timestamp: '1764000000000' },
          { key: Buffer.from('k2'), value: Buffer.from('v2'), headers: {} },
        ],
      },
      { topic: 'b', messages: [{ key: null, value: null, headers: {} }] },
    ]);
  });

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('sends with compression %s when asked', async (compression, type) => {
    const { kafka, sent } = fakeKafka();
    await new PulseProducer(kafka, undefined, { compression }).send([{ topic: 'a', key: null, value: 'x' }]);
    expect(sent[0]!.compression).toBe(type);
  });

  it('does not call the broker for nothing', async () => {
    const { kafka, producer } = fakeKafka();
    await new PulseProducer(kafka).send([]);
    expect(producer.sendBatch).not.toHaveBeenCalled();
  });

  it('does not change the caller’s headers', async () => {
    const { kafka } = fakeKafka();
    const headers = { h: '1' };
    const prepared = new PulseProducer(kafka).prepare({ topic: 'a', key: null, value: 'x', headers });
    prepared.span.end();
    expect(headers).toEqual({ h: '1' });
    expect(prepared.record.headers).not.toBe(headers);
  });

  it('counts produced records and failed requests, and rejects when the broker did not acknowledge', async () => {
    const { kafka, producer: raw } = fakeKafka();
    const registry = new Registry();
    const producer = new PulseProducer(kafka, new KafkaMetrics(registry));
    await producer.send([
      { topic: 'a', key: null, value: '1' },
      { topic: 'a', key: null, value: '2' },
    ]);
    raw.sendBatch.mockRejectedValueOnce(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(producer.send([{ topic: 'a', key: null, value: '3' }])).rejects.toThrow(
      'NOT_ENOUGH_REPLICAS',
    );

    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((metric) => metric.name === name)?.values[0]?.value;
    expect(value('pulse_kafka_messages_produced_total')).toBe(2);
    expect(value('pulse_kafka_produce_errors_total')).toBe(1);
  });

  it('reports saturation while too many records wait for a request, and flush waits for them', async () => {
    const { kafka, producer: raw } = fakeKafka();
    const producer = new PulseProducer(kafka, undefined, { maxQueuedRecords: 2 });
    const releases: (() => void)[] = [];
    raw.sendBatch.mockImplementation(() => new Promise((resolve) => releases.push(() => resolve([]))));

    const first = producer.send([{ topic: 'a', key: null, value: '1' }]); // goes out at once
    const second = producer.send([{ topic: 'a', key: null, value: '2' }]);
    expect([producer.queuedRecords(), producer.isSaturated(), producer.hasRoomFor(1)]).toEqual([
      1,
      false,
      true,
    ]);
    const third = producer.send([{ topic: 'a', key: null, value: '3' }]);
    expect([producer.queuedRecords(), producer.isSaturated(), producer.hasRoomFor(1)]).toEqual([
      2,
      true,
      false,
    ]);

    let flushed = false;
    const flushing = producer.flush().then(() => (flushed = true));
    releases[0]!();
    await first;
    expect(flushed).toBe(false);
    expect(producer.queuedRecords()).toBe(0); // both went out in the next request
    releases[1]!();
    await Promise.all([second, third, flushing]);
    expect(flushed).toBe(true);
    expect(producer.isSaturated()).toBe(false);
  });

  describe('a send given an abort signal', () => {
    function pausedKafka() {
      const fake = fakeKafka();
      const releases: (() => void)[] = [];
      fake.producer.sendBatch.mockImplementation(
        (batch: ProducerBatch) =>
          new Promise((resolve) => {
            fake.sent.push(batch);
            releases.push(() => resolve([]));
          }),
      );
      return { ...fake, releases };
    }
    const values = (batch: ProducerBatch) =>
      batch.topicMessages!.flatMap(({ messages }) => messages.map((message) => String(message.value)));

    it('withdraws the records while they wait for a request: rejected with the reason, never sent', async () => {
      const { kafka, sent, releases } = pausedKafka();
      const producer = new PulseProducer(kafka);
      const first = producer.send([{ topic: 'a', key: null, value: '1' }]);
      const withdraw = new AbortController();
      const second = producer.sendPrepared([producer.prepare({ topic: 'a', key: 'k', value: '2' })], {
        signal: withdraw.signal,
      });
      const third = producer.send([{ topic: 'a', key: 'k', value: '3' }]);
      expect(producer.queuedRecords()).toBe(2);
      const reason = new Error('timed out');
      withdraw.abort(reason);
      await expect(second).rejects.toBe(reason);
      expect(producer.queuedRecords()).toBe(1);
      releases[0]!();
      await first;
      releases[1]!();
      await third;
      expect(sent.map(values)).toEqual([['1'], ['3']]);
    });

    it('has no effect once the records are in a request', async () => {
      const { kafka, sent, releases } = pausedKafka();
      const producer = new PulseProducer(kafka);
      const withdraw = new AbortController();
      const sending = producer.sendPrepared([producer.prepare({ topic: 'a', key: null, value: '1' })], {
        signal: withdraw.signal,
      });
      withdraw.abort(new Error('too late'));
      releases[0]!();
      await sending;
      expect(sent.map(values)).toEqual([['1']]);
    });

    it('sends nothing when already aborted', async () => {
      const { kafka, sent } = pausedKafka();
      const producer = new PulseProducer(kafka);
      const reason = new Error('gone');
      const sending = producer.sendPrepared([producer.prepare({ topic: 'a', key: null, value: '1' })], {
        signal: AbortSignal.abort(reason),
      });
      await expect(sending).rejects.toBe(reason);
      expect(sent).toEqual([]);
      expect(producer.queuedRecords()).toBe(0);
    });
  });

  it('puts whole sends in a request, as many as fit', async () => {
    const { kafka, producer: raw, sent } = fakeKafka();
    const record = (value: string) => ({ topic: 'a', key: null, value });
    const releases: (() => void)[] = [];
    raw.sendBatch.mockImplementation(
      (batch: ProducerBatch) =>
        new Promise((resolve) => {
          sent.push(batch);
          releases.push(() => resolve([]));
        }),
    );
    const three = ['1', '2', '3'].map(record);
    const producer = new PulseProducer(kafka, undefined, {
      maxRequestBytes: requestBytes([...three, record('4')]),
    });
    const first = producer.send([record('0')]);
    const second = producer.send(three);
    const third = producer.send(['4', '5', '6'].map(record));
    for (let i = 0; i < 3; i += 1) {
      releases[i]!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([first, second, third]);
    expect(sent.map((batch) => batch.topicMessages![0]!.messages.map((message) => message.value))).toEqual([
      ['0'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
  });

  it('tells how long the request in flight has waited, and each request’s outcome and duration', async () => {
    const { kafka, producer: raw } = fakeKafka();
    const producer = new PulseProducer(kafka);
    const outcomes: [string, number][] = [];
    producer.onRequest((outcome, seconds) => outcomes.push([outcome, seconds]));
    const settles: ((error?: Error) => void)[] = [];
    raw.sendBatch.mockImplementation(
      () => new Promise((resolve, reject) => settles.push((error) => (error ? reject(error) : resolve([])))),
    );
    expect(producer.inFlightForMs()).toBe(0);
    const first = producer.send([{ topic: 'a', key: null, value: '1' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(producer.inFlightForMs()).toBeGreaterThanOrEqual(15);
    settles[0]!();
    await first;
    expect(producer.inFlightForMs()).toBe(0);
    const second = producer.send([{ topic: 'a', key: null, value: '2' }]);
    settles[1]!(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(second).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(outcomes.map(([outcome]) => outcome)).toEqual(['acknowledged', 'failed']);
    expect(outcomes[0]![1]).toBeGreaterThanOrEqual(0.015);
  });

  it('sends what arrives while a request is in flight together in the next request, in order', async () => {
    const { kafka, producer: raw, sent } = fakeKafka();
    const producer = new PulseProducer(kafka);
    const releases: (() => void)[] = [];
    raw.sendBatch.mockImplementation(
      (batch: ProducerBatch) =>
        new Promise((resolve) => {
          sent.push(batch);
          releases.push(() => resolve([]));
        }),
    );

    const first = producer.send([{ topic: 'a', key: null, value: '1' }]);
    const second = producer.send([{ topic: 'a', key: null, value: '2' }]);
    const third = producer.send([
      { topic: 'b', key: null, value: '3' },
      { topic: 'a', key: null, value: '4' },
    ]);
    expect(sent).toHaveLength(1);
    releases[0]!();
    await first;
    expect(sent).toHaveLength(2);
    expect(sent[1]!.topicMessages).toEqual([
      {
        topic: 'a',
        messages: [expect.objectContaining({ value: '2' }), expect.objectContaining({ value: '4' })],
      },
      { topic: 'b', messages: [expect.objectContaining({ value: '3' })] },
    ]);
    releases[1]!();
    await Promise.all([second, third]);
  });

  it('fails every send of a request the broker refused, and goes on with the next', async () => {
    const { kafka, producer: raw } = fakeKafka();
    const producer = new PulseProducer(kafka);
    const settles: ((error?: Error) => void)[] = [];
    raw.sendBatch.mockImplementation(
      () => new Promise((resolve, reject) => settles.push((error) => (error ? reject(error) : resolve([])))),
    );
    const first = producer.send([{ topic: 'a', key: null, value: '1' }]);
    const second = producer.send([{ topic: 'a', key: null, value: '2' }]);
    const third = producer.send([{ topic: 'a', key: null, value: '3' }]);
    settles[0]!();
    await first;
    settles[1]!(new Error('NOT_LEADER_OR_FOLLOWER'));
    await expect(second).rejects.toThrow('NOT_LEADER_OR_FOLLOWER');
    await expect(third).rejects.toThrow('NOT_LEADER_OR_FOLLOWER');
    const fourth = producer.send([{ topic: 'a', key: null, value: '4' }]);
    // After a failure the next request first takes a new producer id (an extra round trip).
    while (settles.length < 3) await new Promise((resolve) => setImmediate(resolve));
    settles[2]!();
    await fourth;
  });

  it('tracks the connection', async () => {
    const { kafka, producer: raw } = fakeKafka();
    const producer = new PulseProducer(kafka);
    expect(producer.isConnected()).toBe(false);
    await producer.connect();
    expect(producer.isConnected()).toBe(true);
    await producer.disconnect();
    expect(raw.disconnect).toHaveBeenCalled();
    expect(producer.isConnected()).toBe(false);
  });
});

describe('KafkaMetrics', () => {
  it('registers the pulse_ Kafka metrics in the given registry', async () => {
    const registry = new Registry();
    new KafkaMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'pulse_kafka_messages_processed_total',
        'pulse_kafka_messages_failed_total',
        'pulse_kafka_messages_retried_total',
        'pulse_kafka_messages_dead_lettered_total',
        'pulse_kafka_batch_duration_seconds',
        'pulse_kafka_consumer_lag',
      ]),
    );
  });
});
