import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

/**
 * A service whose CPU stays below this share of one core is quiet: an idle Pulse service polls
 * Kafka and answers probes at 1–3 %, while a thousand events a second cost 4–5 %.
 */
export const QUIET_CPU_SHARE = 0.05;

/** How often the CPU share is sampled; a quiet period is made of whole ticks. */
const TICK_MS = 5_000;

export type ReleaseReason = 'start-up' | 'idle';

export interface IdleMemoryReleaseOptions {
  /** How long the service must stay quiet before it gives memory back; 0 turns releases off. */
  quietPeriodMs: number;
  logger: Logger;
  registry: Registry;
  /** The collection that gives memory back; tests pass a fake. */
  collect?: () => void;
  /** Process CPU time in microseconds; tests pass a fake. */
  cpuMicros?: () => number;
  /** Milliseconds on a monotonic clock; tests pass a fake. */
  now?: () => number;
}

/**
 * V8's last-resort collection: full collections until nothing more is freed, with the old space
 * compacted, its empty pages unmapped, and the young generation shrunk to its initial size. Node
 * offers it only through `gc()`, so the flag is set at run time and the function taken from a
 * fresh context that is dropped afterwards.
 */
export function lastResortCollection(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as NodeJS.GCFunction;
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

function processCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * Gives memory back to the OS once after start-up and once per quiet period. V8 keeps its young
 * generation at the size start-up's module loading or a burst of events grew it to (16 MiB with
 * 8 MiB semi-spaces) and keeps the old space's pages committed; its own memory reducer shrinks
 * neither. One last-resort collection takes an idle service back to what it holds live, at the
 * cost of a pause (50–150 ms for a service's 30–40 MB heap), which is why it runs only when
 * nothing is happening and never twice without work in between.
 */
export class IdleMemoryRelease {
  private readonly collect: () => void;
  private readonly cpuMicros: () => number;
  private readonly now: () => number;
  private readonly releases: Counter<'reason'>;
  private timer: NodeJS.Timeout | undefined;
  private lastCpuMicros = 0;
  private lastTickMs = 0;
  private quietSinceMs: number | undefined;
  private releasedSinceWork = false;
  private readonly options: IdleMemoryReleaseOptions;

  // No parameter property: the spec loads this file in a Node process that only strips types.
  constructor(options: IdleMemoryReleaseOptions) {
    this.options = options;
    this.collect = options.collect ?? lastResortCollection;
    this.cpuMicros = options.cpuMicros ?? processCpuMicros;
    this.now = options.now ?? (() => performance.now());
    this.releases = new Counter({
      name: 'pulse_memory_releases_total',
      help: 'Compacting collections that gave memory back to the OS, at start-up or after a quiet period',
      labelNames: ['reason'],
      registers: [options.registry],
    });
  }

  /** Releases what start-up left behind, then watches for quiet periods. */
  start(): void {
    if (this.options.quietPeriodMs <= 0 || this.timer) return;
    this.release('start-up');
    this.timer = setInterval(() => this.tick(), Math.min(TICK_MS, this.options.quietPeriodMs));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample of the CPU share since the previous tick (or release). */
  tick(): void {
    const cpuMicros = this.cpuMicros();
    const nowMs = this.now();
    const elapsedMs = nowMs - this.lastTickMs;
    const share = elapsedMs > 0 ? (cpuMicros - this.lastCpuMicros) / 1_000 / elapsedMs : 0;
    const tickStartMs = this.lastTickMs;
    this.lastCpuMicros = cpuMicros;
    this.lastTickMs = nowMs;
    if (share > QUIET_CPU_SHARE) {
      this.quietSinceMs = undefined;
      this.releasedSinceWork = false;
      return;
    }
    this.quietSinceMs ??= tickStartMs;
    if (!this.releasedSinceWork && nowMs - this.quietSinceMs >= this.options.quietPeriodMs) {
      this.release('idle');
    }
  }

  private release(reason: ReleaseReason): void {
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    this.collect();
    const pauseMs = Math.round(performance.now() - started);
    this.releases.inc({ reason });
    this.releasedSinceWork = true;
    this.options.logger.info(
      { reason, pauseMs, rssBeforeBytes: rssBefore, rssAfterBytes: process.memoryUsage.rss() },
      'memory given back to the OS',
    );
    // The collection's own CPU is not work: the next tick measures from here.
    this.lastCpuMicros = this.cpuMicros();
    this.lastTickMs = this.now();
  }
}
