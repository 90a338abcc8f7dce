import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from '../ground-truth/ground-truth-builder';
import type { GeneratedItem } from '../scenarios/generated-item';
import { pacedRun, type BatchSink, type SentBatch } from './paced-run';

function items(count: number, spacingMs: number): GeneratedItem[] {
  return Array.from({ length: count }, (_, seq) => ({
    seq,
    sendAtMs: seq * spacingMs,
    kind: 'event',
    eventId: `e${seq}`,
    line: `{"id":"e${seq}"}`,
    event: undefined,
    malformedKind: undefined,
    route: 'api',
    tags: [],
  }));
}

class RecordingSink implements BatchSink {
  readonly batches: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly delayMs = 5) {}
  async send(batch: readonly GeneratedItem[]): Promise<readonly Outcome[]> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await sleep(this.delayMs);
    this.inFlight -= 1;
    this.batches.push(batch.map((item) => item.eventId));
    return batch.map(() => 'accepted');
  }
}

describe('pacedRun', () => {
  it('sends every item once, in order, in batches no larger than the batch size', async () => {
    const sink = new RecordingSink();
    const seen: SentBatch[] = [];
    await pacedRun(items(50, 2), sink, { batchSize: 8, concurrency: 1, lingerMs: 10 }, (batch) =>
      seen.push(batch),
    );
    expect(sink.batches.flat()).toEqual(items(50, 2).map((item) => item.eventId));
    expect(Math.max(...sink.batches.map((batch) => batch.length))).toBeLessThanOrEqual(8);
    expect(seen.flatMap((batch) => batch.outcomes)).toHaveLength(50);
  });

  it('does not send an item before it is due', async () => {
    const started = Date.now();
    const sink = new RecordingSink(0);
    await pacedRun(items(3, 100), sink, { batchSize: 10, concurrency: 1, lingerMs: 0 }, () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(sink.batches).toHaveLength(3);
  });

  it('catches up in full batches when the target is slower than the schedule', async () => {
    const sink = new RecordingSink(40);
    await pacedRun(items(60, 1), sink, { batchSize: 20, concurrency: 1, lingerMs: 0 }, () => undefined);
    expect(sink.batches.length).toBeLessThan(10);
    expect(sink.batches.flat()).toHaveLength(60);
  });

  it('keeps at most `concurrency` batches in flight', async () => {
    const sink = new RecordingSink(30);
    await pacedRun(items(40, 0), sink, { batchSize: 5, concurrency: 3, lingerMs: 0 }, () => undefined);
    expect(sink.maxInFlight).toBe(3);
  });

  it('stops early when aborted, after the batches in flight were answered', async () => {
    const sink = new RecordingSink(5);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 60);
    const seen: SentBatch[] = [];
    await pacedRun(
      items(100, 10),
      sink,
      { batchSize: 5, concurrency: 1, lingerMs: 0, signal: stop.signal },
      (b) => seen.push(b),
    );
    const sent = sink.batches.flat().length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100);
    expect(seen.flatMap((batch) => batch.items)).toHaveLength(sent);
  });

  it('rethrows a failing sink once the batches in flight are done', async () => {
    let calls = 0;
    const sink: BatchSink = {
      async send(batch) {
        calls += 1;
        if (calls === 2) throw new Error('wrong API key');
        return batch.map(() => 'accepted' as const);
      },
    };
    await expect(
      pacedRun(items(30, 1), sink, { batchSize: 5, concurrency: 1, lingerMs: 0 }, () => undefined),
    ).rejects.toThrow('wrong API key');
    expect(calls).toBe(2);
  });
});
