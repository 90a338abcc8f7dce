import { Point } from '@influxdata/influxdb-client';
import { lineOf } from '../output/influx-lines';
import { MEASUREMENT } from '../output/measurements';

export interface PartitionProgress {
  readonly partition: number;
  readonly watermark: number;
  readonly maxEventTime: number;
  readonly lastOffset: number;
}

/**
 * A partition's watermark at a wall-clock time. Reporting takes the latest per partition: a
 * window is final only once every partition's watermark passed its end.
 */
export function progressLine(progress: PartitionProgress, now: number): string | undefined {
  if (!Number.isFinite(progress.maxEventTime)) return undefined;
  return lineOf(
    new Point(MEASUREMENT.progress)
      .tag('partition', String(progress.partition))
      .intField('watermark', progress.watermark)
      .intField('max_event_time', progress.maxEventTime)
      .intField('offset', progress.lastOffset)
      .timestamp(now),
  );
}
