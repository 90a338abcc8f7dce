import { EncodedLines } from '@pulse/influx';
import { undeliveredOutputRecord, type OutgoingRecord } from '@pulse/kafka';
import { InfluxRejectedError } from './influx-errors';
import type { InfluxWriter } from './influx-writer';

/** Points InfluxDB refused for good, with its answer. */
export interface RejectedPoints {
  readonly lines: readonly string[];
  readonly error: InfluxRejectedError;
}

/**
 * Writes the lines; when InfluxDB refuses a request for its data (a field type conflict, a tag
 * value limit, a point too large), writes each half again until what it refuses is single
 * points, and returns those. Retrying the refusal would stall the partition forever, and
 * dropping the whole request would lose the points it accepts. Points are upserts, so the
 * halves rewrite what a partial write already applied harmlessly. Any other error (outage,
 * timeout) is thrown as it is: the caller retries the whole flush.
 */
export async function writeSettingAsideRejected(
  writer: InfluxWriter,
  lines: readonly string[] | EncodedLines,
  beforeSend?: () => void,
): Promise<RejectedPoints[]> {
  const encoded = EncodedLines.of(lines);
  try {
    await writer.write(encoded, beforeSend);
    return [];
  } catch (error) {
    if (!(error instanceof InfluxRejectedError)) throw error;
    if (encoded.count <= 1) return encoded.count === 0 ? [] : [{ lines: encoded.lines(), error }];
    const middle = Math.ceil(encoded.count / 2);
    const first = await writeSettingAsideRejected(writer, encoded.slice(0, middle), beforeSend);
    const second = await writeSettingAsideRejected(writer, encoded.slice(middle), beforeSend);
    return merge([...first, ...second]);
  }
}

/** Where refused points go, and what they came from. */
export interface RejectedPointsSource {
  readonly deadLetterTopic: string;
  readonly serviceName: string;
  /** The topic and partition whose messages the points were computed from. */
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  /** The last offset the flush covered. */
  readonly lastOffset: number;
  readonly at: Date;
}

/**
 * Refused points as dead letters of kind output (not re-drivable), with InfluxDB's answer: they
 * stall nothing, and an operator can see what to fix before reprocessing the windows.
 */
export function rejectedPointsRecords(
  rejected: readonly RejectedPoints[],
  source: RejectedPointsSource,
): OutgoingRecord[] {
  return rejected.map(({ lines, error }) =>
    undeliveredOutputRecord(
      source.deadLetterTopic,
      source.serviceName,
      {
        key: null,
        value: lines.join('\n'),
        sourceTopic: source.sourceTopic,
        sourcePartition: source.sourcePartition,
        sourceOffset: String(source.lastOffset),
      },
      { errorClass: error.name, errorMessage: error.message, attempts: 1, firstFailureTime: source.at },
    ),
  );
}

/** Neighbouring rejections with the same status, as one (its first answer stands for all). */
function merge(rejected: readonly RejectedPoints[]): RejectedPoints[] {
  const merged: RejectedPoints[] = [];
  for (const entry of rejected) {
    const last = merged.at(-1);
    if (last !== undefined && last.error.status === entry.error.status && last.lines.length < 500) {
      merged[merged.length - 1] = { lines: [...last.lines, ...entry.lines], error: last.error };
    } else {
      merged.push(entry);
    }
  }
  return merged;
}
