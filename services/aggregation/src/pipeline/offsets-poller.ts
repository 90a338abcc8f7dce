import { Point } from '@influxdata/influxdb-client';
import type { KafkaOffsets } from '@pulse/kafka';
import type { InfluxWriter } from '../influx/influx-writer';
import { lineOf } from '../output/influx-lines';
import { MEASUREMENT } from '../output/measurements';

export interface OwnedPartition {
  readonly partition: number;
  /** Offset of the next message to read. */
  readonly position: number;
  /** The latest progress line, or undefined (catching up, or no event yet). */
  progress(): string | undefined;
}

export interface OffsetsPollerOptions {
  readonly offsets: KafkaOffsets;
  readonly writer: InfluxWriter;
  readonly groupId: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly owned: () => Iterable<OwnedPartition>;
  readonly now?: () => number;
}

/**
 * Every interval, writes for the pipeline dashboard: the consumer lag of the partitions this
 * instance owns (log end − next offset to read: the committed offset lags by design, as it
 * marks where a replay must start), the size of the dead-letter topic, and the progress of
 * owned partitions (so an idle partition's stalled watermark stays visible).
 */
export class OffsetsPoller {
  constructor(private readonly options: OffsetsPollerOptions) {}

  async poll(): Promise<void> {
    const { offsets, writer, groupId, topic, deadLetterTopic } = this.options;
    const now = (this.options.now ?? Date.now)();
    const lines: string[] = [];
    const [ends, deadLetters] = await Promise.all([
      offsets.partitionBounds(topic),
      offsets.partitionBounds(deadLetterTopic).catch(() => undefined),
    ]);
    const high = new Map([...ends].map(([partition, { high }]) => [partition, Number(high)]));
    for (const owned of this.options.owned()) {
      const end = high.get(owned.partition);
      if (end !== undefined) {
        lines.push(
          lineOf(
            new Point(MEASUREMENT.consumerLag)
              .tag('group', groupId)
              .tag('partition', String(owned.partition))
              .intField('lag', Math.max(0, end - owned.position))
              .intField('log_end', end)
              .intField('position', owned.position)
              .timestamp(now),
          ),
        );
      }
      const progress = owned.progress();
      if (progress !== undefined) lines.push(progress);
    }
    if (deadLetters !== undefined) {
      const logs = [...deadLetters.values()];
      const messages = logs.reduce((sum, { low, high }) => sum + Number(high) - Number(low), 0);
      const written = logs.reduce((sum, { high }) => sum + Number(high), 0);
      lines.push(
        lineOf(
          new Point(MEASUREMENT.deadLetter)
            .tag('topic', deadLetterTopic)
            .intField('messages', messages)
            .intField('written_total', written)
            .timestamp(now),
        ),
      );
    }
    await writer.write(lines);
  }
}
