import type { InfluxClient } from '@pulse/influx';
import type { ActivityTotals } from '../feed/event-totals';
import type { WindowObservation } from './window-latency';

/** Aggregation's schema (docs/metrics-schema.md): the `activity` measurement, `total` grouping. */
const MEASUREMENT = 'activity';
const LATE_MEASUREMENT = 'late_activity';

/**
 * Polls InfluxDB for the counted events (orders + views + cart adds) of each window of the
 * `total` grouping, summed over partitions — what a dashboard would show — to time when each
 * window's final figure became visible.
 */
export class WindowProbe {
  readonly observations: WindowObservation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private since = 0;

  constructor(
    private readonly influx: InfluxClient,
    private readonly database: string,
    private readonly windowLabel: string,
    private readonly pollMs: number,
  ) {}

  /** Polls windows that start at or after `since` until `stop()`. */
  start(since: number): void {
    this.since = since;
    const tick = () => {
      this.running = this.counts()
        .then((counts) => void this.observations.push({ at: Date.now(), counts }))
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.pollMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async counts(since = this.since): Promise<Map<number, number>> {
    const [series = []] = await this.influx.query(this.database, [
      `SELECT sum("orders") AS "orders", sum("views") AS "views", sum("cart_adds") AS "cart_adds" FROM "${MEASUREMENT}" ` +
        `WHERE "grouping" = 'total' AND "window" = '${this.windowLabel}' AND time >= ${Math.floor(since)}ms ` +
        `GROUP BY time(${this.windowLabel}) fill(none)`,
    ]);
    const counts = new Map<number, number>();
    for (const { rows } of series) {
      for (const row of rows) {
        counts.set(
          Number(row.time),
          numberOrZero(row.orders) + numberOrZero(row.views) + numberOrZero(row.cart_adds),
        );
      }
    }
    return counts;
  }

  /** Everything the pipeline wrote for the `total` grouping, summed over windows and partitions. */
  async totals(): Promise<ActivityTotals> {
    return this.sums(MEASUREMENT);
  }

  /** Events aggregation counted as late (in no window), summed the same way. */
  async lateTotals(): Promise<ActivityTotals> {
    return this.sums(LATE_MEASUREMENT);
  }

  private async sums(measurement: string): Promise<ActivityTotals> {
    const [series = []] = await this.influx.query(this.database, [
      `SELECT sum("orders") AS "orders", sum("units") AS "units", sum("views") AS "views", sum("cart_adds") AS "cart_adds" FROM "${measurement}" ` +
        `WHERE "grouping" = 'total' AND "window" = '${this.windowLabel}'`,
    ]);
    const row = series[0]?.rows[0] ?? {};
    return {
      orders: numberOrZero(row.orders),
      units: numberOrZero(row.units),
      views: numberOrZero(row.views),
      cartAdds: numberOrZero(row.cart_adds),
    };
  }
}

/** A sum over no points is null. */
function numberOrZero(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
