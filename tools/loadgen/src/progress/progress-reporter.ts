import { Presets, SingleBar } from 'cli-progress';

export interface ProgressSnapshot {
  elapsedMs: number;
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

/**
 * A progress bar with the current rate and error counts on a terminal; on anything else (CI,
 * a log file) one plain line every `lineIntervalMs`, since redrawing would only fill the log.
 */
export function createProgressReporter(options: {
  durationMs: number;
  stream: NodeJS.WriteStream;
  mode: 'auto' | 'bar' | 'lines' | 'none';
  lineIntervalMs?: number;
}): ProgressReporter {
  const mode = options.mode === 'auto' ? (options.stream.isTTY ? 'bar' : 'lines') : options.mode;
  if (mode === 'none') return { update: () => undefined, stop: () => undefined };
  const rate = new RateMeter();
  if (mode === 'lines') {
    let lastLine = -Infinity;
    let latest: ProgressSnapshot | undefined;
    const print = (snapshot: ProgressSnapshot) =>
      options.stream.write(`loadgen ${describe(snapshot, rate.perSecond(snapshot), options.durationMs)}\n`);
    return {
      update(snapshot) {
        latest = snapshot;
        rate.add(snapshot);
        if (snapshot.elapsedMs - lastLine >= (options.lineIntervalMs ?? 5_000)) {
          lastLine = snapshot.elapsedMs;
          print(snapshot);
        }
      },
      stop() {
        if (latest) print(latest);
      },
    };
  }
  const bounded = options.durationMs > 0;
  const bar = new SingleBar(
    {
      stream: options.stream,
      format: bounded
        ? '{bar} {percentage}% | {elapsed}s/{total}s | {rate} ev/s | sent {sent} | accepted {accepted} | rejected {rejected} | failed {failed}'
        : '{elapsed}s | {rate} ev/s | sent {sent} | accepted {accepted} | rejected {rejected} | failed {failed}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const payload = (snapshot: ProgressSnapshot) => ({
    elapsed: Math.floor(snapshot.elapsedMs / 1000),
    rate: Math.round(rate.perSecond(snapshot)),
    sent: snapshot.sent,
    accepted: snapshot.accepted,
    rejected: snapshot.rejected,
    failed: snapshot.failed,
  });
  bar.start(
    bounded ? Math.ceil(options.durationMs / 1000) : 0,
    0,
    payload({ elapsedMs: 0, sent: 0, accepted: 0, rejected: 0, failed: 0 }),
  );
  return {
    update(snapshot) {
      rate.add(snapshot);
      bar.update(Math.min(Math.floor(snapshot.elapsedMs / 1000), bar.getTotal()), payload(snapshot));
    },
    stop() {
      bar.stop();
    },
  };
}

export function describe(snapshot: ProgressSnapshot, perSecond: number, durationMs: number): string {
  const elapsed = Math.floor(snapshot.elapsedMs / 1000);
  const of = durationMs > 0 ? `/${Math.ceil(durationMs / 1000)}s` : 's';
  return (
    `${elapsed}${of} ${Math.round(perSecond)} ev/s sent=${snapshot.sent} accepted=${snapshot.accepted} ` +
    `rejected=${snapshot.rejected} failed=${snapshot.failed}`
  );
}

/** Events per second over the last few seconds of snapshots. */
class RateMeter {
  private readonly points: { at: number; sent: number }[] = [];

  add(snapshot: ProgressSnapshot): void {
    this.points.push({ at: snapshot.elapsedMs, sent: snapshot.sent });
    while (this.points.length > 2 && snapshot.elapsedMs - (this.points[0]?.at ?? 0) > 5_000)
      this.points.shift();
  }

  perSecond(snapshot: ProgressSnapshot): number {
    const first = this.points[0];
    if (!first || snapshot.elapsedMs <= first.at) return 0;
    return ((snapshot.sent - first.sent) * 1000) / (snapshot.elapsedMs - first.at);
  }
}
