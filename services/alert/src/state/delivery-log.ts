import { decodeJsonWith } from '@pulse/contracts';
import type { OutgoingRecord, PulseProducer } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { z } from 'zod';
import type { Channel } from '../metrics/alert-metrics';
import { TableBackedStore, TrackedTable, type KafkaClient } from './tracked-table';

export const deliverySchema = z.object({
  channel: z.enum(['slack', 'nats']),
  fingerprint: z.string().min(1),
  /** Highest alert sequence handled on this channel. */
  sequence: z.number().int().nonnegative(),
  state: z.enum(['firing', 'resolved']),
  /** `dead_lettered` is no longer written (a dead-lettered record must stay re-drivable); still read. */
  outcome: z.enum(['delivered', 'silenced', 'dead_lettered']),
  at: z.string(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export interface DeliveryLogSettings {
  /** An entry older than this (by `at`) is forgotten: out of memory, tombstoned in the topic. */
  retentionMs: number;
}

/**
 * The notifier's memory of what it already sent (`alerts.deliveries`, compacted, one record per
 * channel and fingerprint). Consulted before every send, so a replay of the `alerts` topic —
 * after a restart, a rebalance, or a commit that lagged behind the sends — never notifies twice.
 *
 * Bounded: an entry older than the retention no longer counts (the notifier does not send
 * records that old either), and `sweep()` drops it from memory and writes a tombstone so
 * compaction removes it from the topic. Every instance sweeps; duplicate tombstones are harmless.
 */
export class DeliveryLog extends TableBackedStore<Delivery> {
  private readonly latest = new Map<string, Delivery>();
  protected readonly table: TrackedTable<Delivery>;
  private sweeping: Promise<number> | null = null;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    groupIdPrefix: string,
    private readonly producer: Pick<PulseProducer, 'send'>,
    private readonly logger: Logger,
    private readonly settings: DeliveryLogSettings,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
    this.table = new TrackedTable<Delivery>(
      kafka,
      {
        topic,
        groupIdPrefix,
        decode: (message) => decodeJsonWith(deliverySchema, message.value, 'invalid delivery record'),
        onChange: (key, value) => {
          if (value) this.merge(value);
          else this.latest.delete(key);
        },
      },
      logger,
    );
  }

  /**
   * True when this sequence (or a later one) of the alert was already handled on the channel:
   * delivered or silenced, within the retention. A dead-lettered one was not handled.
   */
  handled(channel: Channel, fingerprint: string, sequence: number): boolean {
    const known = this.latest.get(keyOf(channel, fingerprint));
    return (
      known !== undefined &&
      known.outcome !== 'dead_lettered' &&
      !this.isExpired(known) &&
      known.sequence >= sequence
    );
  }

  /** True while some channel's entry for the alert is kept (the alert state must outlive it). */
  holds(fingerprint: string): boolean {
    return this.latest.has(keyOf('slack', fingerprint)) || this.latest.has(keyOf('nats', fingerprint));
  }

  /** Entries kept in memory (for tests and logs). */
  size(): number {
    return this.latest.size;
  }

  /**
   * Tombstones the entries older than the retention, then forgets them; returns how many. A
   * failed write is logged and retried at the next sweep.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.removeOld().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async removeOld(): Promise<number> {
    const old = [...this.latest].filter(([, delivery]) => this.isExpired(delivery)).map(([key]) => key);
    if (old.length === 0) return 0;
    try {
      await this.producer.send(old.map((key) => ({ topic: this.topic, key, value: null })));
    } catch (error) {
      this.logger.warn(
        { err: error, entries: old.length },
        'could not delete old delivery records; will retry',
      );
      return 0;
    }
    for (const key of old) {
      const known = this.latest.get(key);
      // A newer record may have arrived while the tombstones were written: it stays.
      if (known && this.isExpired(known)) {
        this.latest.delete(key);
        this.table.forget(key);
      }
    }
    return old.length;
  }

  private isExpired(delivery: Delivery): boolean {
    const at = Date.parse(delivery.at);
    return Number.isFinite(at) && at < this.now() - this.settings.retentionMs;
  }

  /** Writes the records (acknowledged by Kafka) and remembers them. */
  async record(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const records: OutgoingRecord[] = deliveries.map((delivery) => ({
      topic: this.topic,
      key: keyOf(delivery.channel, delivery.fingerprint),
      value: JSON.stringify(delivery),
    }));
    await this.producer.send(records);
    for (const delivery of deliveries) this.merge(delivery);
  }

  private merge(delivery: Delivery): void {
    const key = keyOf(delivery.channel, delivery.fingerprint);
    const known = this.latest.get(key);
    if (!known || delivery.sequence >= known.sequence) this.latest.set(key, delivery);
  }
}

function keyOf(channel: Channel, fingerprint: string): string {
  return `${channel}/${fingerprint}`;
}
