import { Registry } from 'prom-client';
import pino from 'pino';
import { ContractViolation, encodeEvent } from '@pulse/contracts';
import { EncodedLines } from '@pulse/influx';
import { TransientError, type ConsumedMessage, type OutgoingRecord, type PulseProducer } from '@pulse/kafka';
import { toEventFacts } from '../facts/event-facts';
import { InfluxRejectedError } from '../influx/influx-errors';
import type { InfluxWriter } from '../influx/influx-writer';
import { PartitionAggregator } from '../state/partition-aggregator';
import { browseEvent } from '../testing/test-events';
import { windowSpecs } from '../windows/window-spec';
import { AggregationMetrics } from '../metrics/aggregation-metrics';
import { AggregatePartition } from './aggregate-partition';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const RESETTLE_DELAY_MS = 30_000;

class FakeWriter implements InfluxWriter {
  down = false;
  readonly written: string[] = [];
  /** Each write request, in order. */
  readonly requests: (readonly string[])[] = [];
  /** Fails only the write requests containing a progress line. */
  progressDown = false;
  /** Refuses for good (as a 400) every request holding a line that contains this. */
  refuse: string | null = null;

  async write(points: readonly string[] | EncodedLines, beforeSend?: () => void): Promise<void> {
    const lines = EncodedLines.of(points).lines();
    beforeSend?.();
    if (this.down) throw new TransientError('InfluxDB unreachable: connect ECONNREFUSED');
    if (this.progressDown && lines.some((line) => line.startsWith('progress,')))
      throw new TransientError('InfluxDB unreachable: connect ECONNRESET');
    const refuse = this.refuse;
    if (refuse !== null && lines.some((line) => line.includes(refuse)))
      throw new InfluxRejectedError(400, `partial write: field type conflict: ${refuse} dropped=1`);
    this.requests.push(lines);
    this.written.push(...lines);
  }
}

function setup(
  options: {
    membershipFresh?: () => boolean;
    openWindowFlushIntervalMs?: number;
    flushIntervalMs?: number;
  } = {},
) {
  const writer = new FakeWriter();
  const produced: OutgoingRecord[] = [];
  const producer = {
    send: async (records: OutgoingRecord[]) => void produced.push(...records),
  } as unknown as PulseProducer;
  let now = 1_000_000;
  const aggregator = new PartitionAggregator(0, {
    windows: windowSpecs([60_000]),
    allowedLatenessMs: 30_000,
    dedupeHorizonMs: 90_000,
  });
  const worker = new AggregatePartition(aggregator, {
    writer,
    producer,
    windowedTopic: 'metrics.windowed',
    deadLetterTopic: 'dead-letter',
    serviceName: 'aggregation',
    sourceTopic: 'events.enriched',
    flushIntervalMs: options.flushIntervalMs ?? 1_000,
    ...(options.openWindowFlushIntervalMs === undefined
      ? {}
      : { openWindowFlushIntervalMs: options.openWindowFlushIntervalMs, windowSizesMs: [60_000] }),
    metrics: new AggregationMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    membershipFresh: options.membershipFresh ?? (() => true),
    resettleDelayMs: RESETTLE_DELAY_MS,
    now: () => now,
  });
  const view = (id: string, at: number, offset: number) =>
    worker.count(toEventFacts(browseEvent('view', id, at)), offset);
  return { writer, produced, worker, view, advance: (ms: number) => (now += ms) };
}

describe('AggregatePartition', () => {
  describe('flush cadence', () => {
    const cadence = { flushIntervalMs: 250, openWindowFlushIntervalMs: 1_000 };

    /** As after each batch: count, then ask whether to flush; flush when due. */
    function pace(harness: ReturnType<typeof setup>) {
      const { worker, view, advance } = harness;
      return {
        batch: (id: string, at: number, offset: number) => {
          view(id, at, offset);
          return worker.dueForFlush();
        },
        due: () => worker.dueForFlush(),
        advance,
        flush: async () => {
          await worker.flush();
          await new Promise((resolve) => setImmediate(resolve));
        },
      };
    }

    it('writes running counts of open windows only every open-window interval', async () => {
      const { batch, due, advance, flush } = pace(setup(cadence));
      expect(batch('e1', T0 + 1_000, 0)).toBe(true); // never flushed yet
      await flush();
      advance(1_100); // past the closing phase that the first look opened
      expect(batch('e2', T0 + 2_000, 1)).toBe(true); // 1.1 s since the last flush
      await flush();
      advance(300);
      expect(batch('e3', T0 + 3_000, 2)).toBe(false); // same window, 300 ms since the last flush
      advance(600);
      expect(due()).toBe(false);
      advance(100);
      expect(due()).toBe(true);
    });

    it('writes every flush interval from when event time passes a window end, stragglers included', async () => {
      const { batch, due, advance, flush } = pace(setup(cadence));
      batch('e1', T0 + 1_000, 0);
      await flush();
      advance(1_100);
      expect(due()).toBe(false); // nothing changed
      expect(batch('e2', T0 + 2_000, 1)).toBe(true); // open-window cadence: 1.1 s
      await flush();
      advance(100);
      expect(batch('e3', T0 + 61_000, 2)).toBe(false); // the first window is closing, but only 100 ms…
      advance(200);
      expect(due()).toBe(true); // …so 300 ms after the last flush it is written, not 1 s after
      await flush();
      expect(batch('e4', T0 + 59_000, 3)).toBe(false); // a straggler of the closing window
      advance(300);
      expect(due()).toBe(true);
      await flush();
      advance(300);
      expect(batch('e5', T0 + 61_500, 4)).toBe(true); // 800 ms after the crossing: still closing
      await flush();
      advance(200);
      expect(batch('e6', T0 + 62_000, 5)).toBe(false);
      advance(300); // 1.3 s after the crossing: back to the open-window cadence
      expect(due()).toBe(false);
      advance(500);
      expect(due()).toBe(true);
    });

    it('also treats the watermark passing a window end (the window becomes final) as closing', async () => {
      const { batch, due, advance, flush } = pace(setup(cadence));
      batch('e1', T0 + 50_000, 0);
      await flush();
      advance(1_500);
      batch('e2', T0 + 85_000, 1); // event time crosses 1m: closing
      await flush();
      advance(1_500);
      await flush();
      advance(300);
      expect(batch('e3', T0 + 89_000, 2)).toBe(false); // open-window cadence again
      expect(batch('e4', T0 + 91_000, 3)).toBe(true); // the watermark (− 30 s) passes 1m: final
      expect(due()).toBe(true);
    });

    it('also treats the clock passing a window end as closing: the last window before traffic pauses', async () => {
      const { batch, due, advance, flush } = pace(setup(cadence));
      advance(18_500); // the clock is at 1,018,500; windows of 1 m end at multiples of 60,000
      batch('e1', T0 + 1_000, 0);
      await flush();
      advance(1_100);
      batch('e2', T0 + 2_000, 1); // open-window cadence: 1.1 s, flushed
      await flush();
      advance(300); // 1,019,900
      expect(batch('e3', T0 + 3_000, 2)).toBe(false);
      advance(200); // 1,020,100: the clock passed 17 × 60,000, no event did
      expect(due()).toBe(true);
    });

    it('flushes every flush interval when no open-window interval is set', async () => {
      const { batch, advance, flush } = pace(setup({ flushIntervalMs: 250 }));
      batch('e1', T0 + 1_000, 0);
      await flush();
      advance(300);
      expect(batch('e2', T0 + 2_000, 1)).toBe(true);
    });
  });

  it('writes changed windows to InfluxDB and metrics.windowed in the background, and commits the replay point', async () => {
    const { writer, produced, worker, view, advance } = setup();
    view('e1', T0 + 1_000, 0);
    advance(1_000);
    const commit = await worker.afterBatch(0);
    expect(commit.offset).toBe('0');
    await worker.flush();
    expect(
      writer.written.some((line) => line.startsWith('activity,grouping=total,partition=0,window=1m ')),
    ).toBe(true);
    expect(writer.written.some((line) => line.startsWith('pipeline,partition=0,stage=aggregation '))).toBe(
      true,
    );
    expect(writer.written.some((line) => line.startsWith('progress,partition=0 '))).toBe(true);
    expect(produced.map((record) => record.topic)).toContain('metrics.windowed');
  });

  it('pauses (throws TransientError) while InfluxDB is down, commits nothing past unwritten state, and catches up after', async () => {
    const { writer, worker, view, advance } = setup();
    writer.down = true;
    view('e1', T0 + 1_000, 0);
    view('e2', T0 + 200_000, 1); // closes the first window (a final to write); e1's id leaves the horizon
    advance(1_000);
    expect((await worker.afterBatch(1)).offset).toBe('0'); // starts the flush in the background
    await expect(worker.flush()).rejects.toBeInstanceOf(TransientError);
    // The next batch waits for the write and so fails with it: the runner pauses and retries.
    await expect(worker.afterBatch(1)).rejects.toBeInstanceOf(TransientError);
    expect(writer.written).toEqual([]);

    writer.down = false;
    let commit = await worker.afterBatch(1);
    expect(writer.written.filter((line) => line.includes('final=T'))).not.toHaveLength(0);
    expect(writer.written.filter((line) => line.startsWith('pipeline,')).length).toBeGreaterThanOrEqual(1);
    // Written now, the closed window no longer holds the commit point back.
    expect(commit.offset).toBe('1');
    // The failed request may still land: the window is rewritten after the resettle delay.
    advance(RESETTLE_DELAY_MS);
    expect(worker.dueForFlush()).toBe(true);
    await worker.flush();
    commit = await worker.afterBatch(1);
    expect(commit.offset).toBe('1');
    expect(worker.aggregator.unsettledWindows).toBe(0);
  });

  it('writes progress in a request of its own, only after InfluxDB acknowledged the windows', async () => {
    const { writer, worker, view, advance } = setup();
    view('e1', T0 + 1_000, 0);
    advance(1_000);
    await worker.afterBatch(0);
    await worker.flush();
    const isProgress = (line: string) => line.startsWith('progress,');
    const withProgress = writer.requests.findIndex((request) => request.some(isProgress));
    const withWindows = writer.requests.findIndex((request) =>
      request.some((line) => line.startsWith('activity,')),
    );
    expect(withWindows).toBeGreaterThanOrEqual(0);
    expect(withProgress).toBeGreaterThan(withWindows);
    expect((writer.requests[withProgress] as readonly string[]).every(isProgress)).toBe(true);
  });

  it('retries the whole flush when only the progress write failed, and never reports progress before it', async () => {
    const { writer, worker, view, advance } = setup();
    writer.progressDown = true;
    view('e1', T0 + 1_000, 0);
    advance(1_000);
    await worker.afterBatch(0);
    await expect(worker.flush()).rejects.toThrow(TransientError);
    expect(worker.progress()).toBeUndefined();
    writer.progressDown = false;
    advance(1_000);
    await worker.flush();
    expect(worker.progress()).toMatch(/^progress,partition=0 /);
    // The windows of the failed flush were written again with the progress that covers them.
    const last = writer.requests.at(-2) as readonly string[];
    expect(last.some((line) => line.startsWith('activity,grouping=total,partition=0,window=1m '))).toBe(true);
  });

  it('sets aside to the dead-letter topic the points InfluxDB refuses for good, writes the rest, and goes on', async () => {
    const { writer, produced, worker, view } = setup();
    writer.refuse = 'category=garden';
    view('a', T0 + 1_000, 0);
    worker.count(toEventFacts(browseEvent('view', 'b', T0 + 2_000, { category: 'garden' })), 1);
    view('c', T0 + 3_000, 2);
    // Retrying a refusal would stall the partition for ever: the flush succeeds instead.
    await worker.flush();
    const refused = writer.written.filter((line) => line.includes('category=garden'));
    expect(refused).toEqual([]);
    expect(writer.written.some((line) => line.startsWith('activity,grouping=total,'))).toBe(true);
    expect(writer.written.some((line) => line.includes('category=books'))).toBe(true);
    const deadLetters = produced.filter((record) => record.topic === 'dead-letter');
    expect(deadLetters).toHaveLength(1);
    const [letter] = deadLetters;
    expect(letter?.headers).toMatchObject({
      'pulse-dlq-kind': 'output',
      'pulse-dlq-error-class': 'InfluxRejectedError',
      'pulse-dlq-source-topic': 'events.enriched',
      'pulse-dlq-source-partition': '0',
      'pulse-dlq-source-offset': '2',
      'pulse-dlq-service': 'aggregation',
    });
    expect(letter?.headers?.['pulse-dlq-error-message']).toContain('field type conflict');
    const parked = String(letter?.value).split('\n');
    expect(parked.length).toBeGreaterThan(0);
    expect(parked.every((line) => line.includes('category=garden'))).toBe(true);
    expect(produced.some((record) => record.topic === 'metrics.windowed')).toBe(true);
    // Nothing is left to write: the next batch commits past it.
    expect(await worker.afterBatch(2)).toMatchObject({ offset: '0' });
    expect(worker.aggregator.hasChanges).toBe(false);
  });

  describe('a write whose outcome is unknown', () => {
    /**
     * InfluxDB as a key-value store of points (series + timestamp → fields, merged field by
     * field, as InfluxDB upserts). A request that "times out" is kept and applied later, when
     * the test says: InfluxDB resuming from a stall and running a request the client gave up on.
     */
    class StallingInflux implements InfluxWriter {
      readonly points = new Map<string, Map<string, string>>();
      stalled = false;
      readonly held: (readonly string[])[] = [];

      async write(points: readonly string[] | EncodedLines, beforeSend?: () => void): Promise<void> {
        const lines = EncodedLines.of(points).lines();
        beforeSend?.();
        if (this.stalled) {
          this.held.push(lines);
          throw new TransientError('InfluxDB unreachable: This operation was aborted (timeout)');
        }
        this.apply(lines);
      }

      /** The stall ends: InfluxDB applies what it had received, after or before newer writes. */
      applyHeld(): void {
        for (const lines of this.held.splice(0)) this.apply(lines);
      }

      fields(prefix: string, timestamp: number): Map<string, string> | undefined {
        for (const [key, fields] of this.points) if (key === `${prefix} ${timestamp}`) return fields;
        return undefined;
      }

      private apply(lines: readonly string[]): void {
        for (const line of lines) {
          const match = /^(\S+) (\S+) (\d+)$/.exec(line);
          if (match === null) throw new Error(`unexpected line ${line}`);
          const [, series, fieldText, timestamp] = match as unknown as [string, string, string, string];
          const key = `${series} ${timestamp}`;
          const fields = this.points.get(key) ?? new Map<string, string>();
          for (const field of fieldText.split(',')) {
            const [name, value] = field.split('=') as [string, string];
            fields.set(name, value);
          }
          this.points.set(key, fields);
        }
      }
    }

    function stallingSetup() {
      const harness = setup();
      const influx = new StallingInflux();
      // The worker writes through the writer it was given; route it to the model.
      harness.writer.write = (lines, beforeSend) => influx.write(lines, beforeSend);
      const flush = async (): Promise<void> => {
        await harness.worker.flush();
        await new Promise((resolve) => setImmediate(resolve)); // the flush is no longer in flight
      };
      return { ...harness, influx, flush };
    }

    const TOTAL = 'activity,grouping=total,partition=0,window=1m';

    for (const landing of ['before', 'after'] as const) {
      it(`ends with the newest values and final when the timed-out request lands ${landing} the retry`, async () => {
        const { worker, view, advance, influx, flush } = stallingSetup();
        view('e1', T0 + 1_000, 0);
        advance(1_000);
        influx.stalled = true;
        await expect(worker.flush()).rejects.toBeInstanceOf(TransientError);
        expect(influx.held).toHaveLength(1);

        // More events while InfluxDB is stalled; the last closes the first window.
        view('e2', T0 + 2_000, 1);
        view('e3', T0 + 200_000, 2);
        influx.stalled = false;
        if (landing === 'before') influx.applyHeld();
        advance(1_000);
        await flush(); // the retry: window 1 final with both views
        if (landing === 'after') influx.applyHeld();
        expect(influx.fields(TOTAL, T0)?.get('views')).toBe(landing === 'after' ? '1i' : '2i');

        advance(RESETTLE_DELAY_MS - 1);
        expect(worker.dueForFlush()).toBe(false);
        advance(1);
        expect(worker.dueForFlush()).toBe(true);
        await flush();
        expect(influx.fields(TOTAL, T0)?.get('views')).toBe('2i');
        expect(influx.fields(TOTAL, T0)?.get('final')).toBe('T');
        expect(worker.aggregator.unsettledWindows).toBe(0);
        expect((await worker.afterBatch(2)).offset).toBe('2');
      });
    }

    it('rewrites an open window whole, all its groups, with its current counts', async () => {
      const { worker, view, advance, influx, flush } = stallingSetup();
      view('e1', T0 + 1_000, 0);
      advance(1_000);
      influx.stalled = true;
      await expect(worker.flush()).rejects.toBeInstanceOf(TransientError);
      influx.stalled = false;
      advance(1_000);
      view('e2', T0 + 2_000, 1);
      await flush();
      influx.applyHeld(); // the stale running count lands last
      expect(influx.fields(TOTAL, T0)?.get('views')).toBe('1i');
      advance(RESETTLE_DELAY_MS);
      await flush();
      expect(influx.fields(TOTAL, T0)?.get('views')).toBe('2i');
      expect(influx.fields(TOTAL, T0)?.get('final')).toBe('F');
    });

    it('waits for InfluxDB to answer again before counting the resettle delay', async () => {
      const { worker, view, advance, influx, flush } = stallingSetup();
      view('e1', T0 + 1_000, 0);
      advance(1_000);
      influx.stalled = true;
      await expect(worker.flush()).rejects.toBeInstanceOf(TransientError);
      advance(RESETTLE_DELAY_MS * 2); // still stalled: a resettle now could be overtaken too
      await expect(worker.flush()).rejects.toBeInstanceOf(TransientError);
      influx.stalled = false;
      await flush();
      expect(worker.aggregator.unsettledWindows).toBe(1);
      advance(RESETTLE_DELAY_MS - 1);
      expect(worker.dueForFlush()).toBe(false);
      advance(1);
      expect(worker.dueForFlush()).toBe(true);
    });

    it('checks membership before every request, also in a flush already under way', async () => {
      let fresh = true;
      const { worker, view, advance, writer } = setup({ membershipFresh: () => fresh });
      const sent: (readonly string[])[] = [];
      writer.write = async (lines, beforeSend) => {
        beforeSend?.();
        sent.push(EncodedLines.of(lines).lines());
        // The process freezes after the windows' request and loses its partitions meanwhile.
        fresh = false;
      };
      view('e1', T0 + 1_000, 0);
      advance(1_000);
      await expect(worker.flush()).rejects.toThrow(/membership/);
      expect(sent).toHaveLength(1); // the windows, but not the progress that would follow
      expect(sent[0]?.some((line) => line.startsWith('progress,'))).toBe(false);
      // Refused before sending: nothing of it can land later, so nothing needs rewriting.
      expect(worker.aggregator.unsettledWindows).toBe(0);
    });
  });

  it('does not write when its group membership may have lapsed', async () => {
    let fresh = false;
    const { writer, worker, view, advance } = setup({ membershipFresh: () => fresh });
    view('e1', T0 + 1_000, 0);
    advance(1_000);
    await expect(worker.flush()).rejects.toThrow(/membership/);
    expect(writer.written).toEqual([]);
    expect(worker.aggregator.unsettledWindows).toBe(0);
    fresh = true;
    await worker.flush();
    expect(writer.written).not.toEqual([]);
  });

  describe('entry points of the transport', () => {
    const message = (value: Buffer | null, offset: number): ConsumedMessage => ({
      topic: 'events.enriched',
      partition: 0,
      offset: String(offset),
      key: null,
      value,
      headers: {},
      timestamp: T0,
    });

    it('consume decodes an enriched event and counts it; bytes that break the contract are poison and change nothing', () => {
      const { worker } = setup();
      expect(worker.consume(message(encodeEvent(browseEvent('view', 'e1', T0 + 1_000)), 0))).toBe('counted');
      expect(worker.consume(message(encodeEvent(browseEvent('view', 'e1', T0 + 2_000)), 1))).toBe(
        'duplicate',
      );
      expect(() => worker.consume(message(Buffer.from('{"not":"an event"}'), 2))).toThrow(ContractViolation);
      // The runner dead-letters it and says so: then, and only then, it counts as handled.
      expect(worker.aggregator.lastHandledOffset).toBe(1);
      worker.deadLettered(2);
      expect(worker.aggregator.lastHandledOffset).toBe(2);
    });

    it('flushIfDue (the timer of quiet partitions) writes only when due, and a failure waits for the next tick or batch', async () => {
      const { writer, worker, view, advance } = setup();
      await worker.flushIfDue();
      expect(writer.requests).toEqual([]); // nothing counted yet
      view('e1', T0 + 1_000, 0);
      advance(1_000);
      writer.down = true;
      await expect(worker.flushIfDue()).resolves.toBeUndefined(); // logged, not thrown
      expect(writer.requests).toEqual([]);
      writer.down = false;
      await worker.flushIfDue(); // failed last time: due again at once
      expect(writer.written.some((line) => line.startsWith('activity,'))).toBe(true);
      const requests = writer.requests.length;
      await worker.flushIfDue(); // written, nothing new
      expect(writer.requests).toHaveLength(requests);
    });
  });
});
