export interface FlushCadenceOptions {
  /** Flush cadence while a window is closing: from its end until `openWindowFlushIntervalMs` later. */
  readonly flushIntervalMs: number;
  /** Flush cadence otherwise, when only running counts of open windows change. */
  readonly openWindowFlushIntervalMs?: number;
  /** The window sizes: a window ends where event time, watermark or clock cross a multiple of one. */
  readonly windowSizesMs?: readonly number[];
}

/** What the cadence looks at of one partition, at one moment. */
export interface FlushState {
  readonly maxEventTime: number;
  readonly watermark: number;
  /** A flush is being written. */
  readonly flushing: boolean;
  /** Unsettled windows are due to be rewritten whole. */
  readonly resettleDue: boolean;
  /** Windows or pipeline counters changed since the last flush. */
  readonly somethingToWrite: boolean;
}

/**
 * When one partition's changes are due for writing. While a window is closing — its end passed
 * in event time, in watermark or on the clock within the last open-window interval — changes are
 * written every `flushIntervalMs`, so final counts land promptly (stragglers of the closing window
 * included, and the last window before traffic pauses, which no later event closes); otherwise
 * only the running counts of open windows changed, and every `openWindowFlushIntervalMs` is enough.
 */
export class FlushCadence {
  private lastFlushAt = 0;
  /** Window indexes of the max event time, the watermark and the clock when last looked at, per size. */
  private seenWindows = '';
  private closingUntil = 0;

  constructor(private readonly options: FlushCadenceOptions) {}

  due(now: number, state: FlushState): boolean {
    const { flushIntervalMs } = this.options;
    const openInterval = this.options.openWindowFlushIntervalMs ?? flushIntervalMs;
    // Looked at on every call, so a crossing is noticed when it happens, not at the next flush.
    const closing = this.windowClosing(now, openInterval, state);
    if (state.flushing) return false;
    if (state.resettleDue) return true;
    if (!state.somethingToWrite) return false;
    const sinceLastFlush = now - this.lastFlushAt;
    if (sinceLastFlush < flushIntervalMs) return false;
    return closing || sinceLastFlush >= openInterval;
  }

  /** Only a successful flush restarts the interval: after a failure every batch retries the write. */
  flushed(startedAt: number): void {
    this.lastFlushAt = startedAt;
  }

  private windowClosing(now: number, openInterval: number, state: FlushState): boolean {
    const sizes = this.options.windowSizesMs;
    if (sizes === undefined || sizes.length === 0) return true;
    const { maxEventTime, watermark } = state;
    let windows = '';
    for (const size of sizes) {
      windows += `${Math.floor(maxEventTime / size)}/${Math.floor(watermark / size)}/${Math.floor(now / size)} `;
    }
    if (windows !== this.seenWindows) {
      // The first look after an assignment counts as a crossing too: nothing says otherwise.
      this.seenWindows = windows;
      this.closingUntil = now + openInterval;
    }
    return now < this.closingUntil;
  }
}
