import { Registry } from 'prom-client';
import pino from 'pino';
import { TransientError, type OutgoingRecord, type PulseProducer } from '@pulse/kafka';
import { toEventFacts } from '../facts/event-facts';
import type { InfluxWriter } from '../influx/influx-writer';
import { PartitionAggregator } from '../state/partition-aggregator';
import { browseEvent } from '../testing/test-events';
import { windowSpecs } from '../windows/window-spec';
import { AggregationMetrics } from './aggregation-metrics';
import { PartitionWorker } from './partition-worker';

const T0 = Date.parse('2026-01-01T00:00:00Z');

class FakeWriter implements InfluxWriter {
  down = false;
  readonly written: string[] = [];
  /** Each write request, in order. */
  readonly requests: (readonly string[])[] = [];
  /** Fails only the write requests containing a progress line. */
  progressDown = false;

  async write(lines: readonly string[]): Promise<void> {
    if (this.down) throw new TransientError('InfluxDB unreachable: connect ECONNREFUSED');
    if (this.progressDown && lines.some((line) => line.startsWith('progress,')))
      throw new TransientError('InfluxDB unreachable: connect ECONNRESET');
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
  const worker = new PartitionWorker(aggregator, {
    writer,
    producer,
    windowedTopic: 'metrics.windowed',
    flushIntervalMs: options.flushIntervalMs ?? 1_000,
    ...(options.openWindowFlushIntervalMs === undefined
      ? {}
      : { openWindowFlushIntervalMs: options.openWindowFlushIntervalMs, windowSizesMs: [60_000] }),
    metrics: new AggregationMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    membershipFresh: options.membershipFresh ?? (() => true),
    now: () => now,
  });
  const view = (id: string, at: number, offset: number) =>
    worker.count(toEventFacts(browseEvent('view', id, at)), offset);
  return { writer, produced, worker, view, advance: (ms: number) => (now += ms) };
}

describe('PartitionWorker', () => {
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
    const commit = await worker.afterBatch(1);
    expect(writer.written.filter((line) => line.includes('final=T'))).not.toHaveLength(0);
    // Written now, the closed window no longer holds the commit point back.
    expect(commit.offset).toBe('1');
    expect(writer.written.filter((line) => line.startsWith('pipeline,')).length).toBeGreaterThanOrEqual(1);
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

  it('does not write when its group membership may have lapsed', async () => {
    let fresh = false;
    const { writer, worker, view, advance } = setup({ membershipFresh: () => fresh });
    view('e1', T0 + 1_000, 0);
    advance(1_000);
    await expect(worker.flush()).rejects.toThrow(/membership/);
    expect(writer.written).toEqual([]);
    fresh = true;
    await worker.flush();
    expect(writer.written).not.toEqual([]);
  });
});
