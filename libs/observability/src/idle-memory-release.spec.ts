import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { IdleMemoryRelease, QUIET_CPU_SHARE } from './idle-memory-release';

/** A clock and a CPU meter the test moves by hand. */
class FakeProcess {
  nowMs = 0;
  cpuMicros = 0;

  /** Lets `ms` pass with the process busy at `share` of one core. */
  run(ms: number, share: number): void {
    this.nowMs += ms;
    this.cpuMicros += ms * share * 1_000;
  }
}

describe('IdleMemoryRelease', () => {
  let clock: FakeProcess;
  let registry: Registry;
  let collect: jest.Mock;

  const release = (quietPeriodMs: number): IdleMemoryRelease =>
    new IdleMemoryRelease({
      quietPeriodMs,
      logger: pino({ level: 'silent' }),
      registry,
      collect,
      cpuMicros: () => clock.cpuMicros,
      now: () => clock.nowMs,
    });

  /** Started (its start-up release done), with the timer stopped: the test ticks by hand. */
  const started = (quietPeriodMs: number): IdleMemoryRelease => {
    const subject = release(quietPeriodMs);
    subject.start();
    subject.stop();
    return subject;
  };

  /** Ticks every 5 s for `ms`, the process busy at `share` of a core. */
  const pass = (subject: IdleMemoryRelease, ms: number, share: number): void => {
    for (let elapsed = 0; elapsed < ms; elapsed += 5_000) {
      clock.run(5_000, share);
      subject.tick();
    }
  };

  const releasesByReason = async (): Promise<Record<string, number>> => {
    const metric = await registry.getSingleMetric('pulse_memory_releases_total')?.get();
    return Object.fromEntries(
      (metric?.values ?? []).map((value) => [String(value.labels.reason), value.value]),
    );
  };

  beforeEach(() => {
    clock = new FakeProcess();
    registry = new Registry();
    collect = jest.fn();
  });

  it('gives start-up memory back once, as soon as it starts', async () => {
    started(30_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(await releasesByReason()).toEqual({ 'start-up': 1 });
  });

  it('releases after a busy spell is followed by a whole quiet period, and only once', async () => {
    const subject = started(30_000);
    pass(subject, 60_000, 0.8);
    pass(subject, 25_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(1);
    pass(subject, 5_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(2);
    pass(subject, 120_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(await releasesByReason()).toEqual({ 'start-up': 1, idle: 1 });
  });

  it('does not release twice when nothing happened in between', () => {
    const subject = started(30_000);
    pass(subject, 300_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('counts a share above the quiet threshold as work that restarts the quiet period', () => {
    const subject = started(30_000);
    pass(subject, 10_000, QUIET_CPU_SHARE * 2);
    pass(subject, 20_000, 0.01);
    pass(subject, 5_000, QUIET_CPU_SHARE * 2);
    pass(subject, 25_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(1);
    pass(subject, 5_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it("does not count the collection's own CPU as work", () => {
    const subject = release(30_000);
    collect.mockImplementation(() => clock.run(400, 1));
    subject.start();
    subject.stop();
    pass(subject, 60_000, 0.8);
    pass(subject, 30_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(2);
    // Had the release's 400 ms at a full core counted, this quiet spell would look busy.
    pass(subject, 5_000, 0.01);
    pass(subject, 60_000, 0.01);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('does nothing with a quiet period of 0', () => {
    started(0);
    expect(collect).not.toHaveBeenCalled();
  });
});

describe('lastResortCollection, in a fresh Node process', () => {
  it("shrinks V8's grown young generation and gives the resident memory back", () => {
    const script = [
      `const { lastResortCollection } = require(${JSON.stringify(join(__dirname, 'idle-memory-release.ts'))});`,
      "const v8 = require('node:v8');",
      "const young = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;",
      // Start-up's pattern: many objects that survive, which grows the young generation to its maximum.
      'const kept = []; for (let i = 0; i < 300000; i++) kept.push({ i, label: "item " + i });',
      'const before = { young: young(), rss: process.memoryUsage.rss() };',
      'lastResortCollection();',
      'const after = { young: young(), rss: process.memoryUsage.rss() };',
      'console.log(JSON.stringify({ before, after, kept: kept.length }));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--max-semi-space-size=8', '-e', script], {
      encoding: 'utf8',
    });
    const { before, after, kept } = JSON.parse(output) as {
      before: { young: number; rss: number };
      after: { young: number; rss: number };
      kept: number;
    };
    expect(kept).toBe(300_000);
    expect(before.young).toBeGreaterThanOrEqual(8 * 2 ** 20);
    expect(after.young).toBeLessThanOrEqual(2 * 2 ** 20);
    expect(before.rss - after.rss).toBeGreaterThan(8 * 2 ** 20);
  });
});
