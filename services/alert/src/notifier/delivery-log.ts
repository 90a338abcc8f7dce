import { decodeJsonWith } from '@pulse/contracts';
import type { OutgoingRecord, PulseProducer } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { z } from 'zod';
import type { Channel } from '../metrics/alert-metrics';
import { TableBackedStore, TrackedTable, type KafkaClient } from '../state/tracked-table';

export const deliverySchema = z.object({
  channel: z.enum(['slack', 'nats']),
  fingerprint: z.string().min(1),
  /** Highest alert sequence handled on this channel. */
  sequence: z.number().int().nonnegative(),
  state: z.enum(['firing', 'resolved']),
  outcome: z.enum(['delivered', 'silenced', 'dead_lettered']),
  at: z.string(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/**
 * The notifier's memory of what it already sent (`alerts.deliveries`, compacted, one record per
 * channel and fingerprint). Consulted before every send, so a replay of the `alerts` topic —
 * after a restart, a rebalance, or a commit that lagged behind the sends — never notifies twice.
 */
export class DeliveryLog extends TableBackedStore<Delivery> {
  private readonly latest = new Map<string, Delivery>();
  protected readonly table: TrackedTable<Delivery>;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    groupIdPrefix: string,
    private readonly producer: PulseProducer,
    logger: Logger,
  ) {
    super();
    this.table = new TrackedTable<Delivery>(
      kafka,
      {
        topic,
        groupIdPrefix,
        decode: (message) => decodeJsonWith(deliverySchema, message.value, 'invalid delivery record'),
        onChange: (_key, value) => {
          if (value) this.merge(value);
        },
      },
      logger,
    );
  }

  /** True when this sequence (or a later one) of the alert was already handled on the channel. */
  handled(channel: Channel, fingerprint: string, sequence: number): boolean {
    const known = this.latest.get(keyOf(channel, fingerprint));
    return known !== undefined && known.sequence >= sequence;
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
