import { alertEventSchema, decodeJsonWith, type AlertEvent } from '@pulse/contracts';
import type { Logger } from '@pulse/observability';
import { TableBackedStore, TrackedTable, type KafkaClient } from './tracked-table';

/** Header on `alerts` records naming the input partition whose owner decides this alert. */
export const ORIGIN_HEADER = 'pulse-alert-origin';

export function originOf(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** What deciding alerts needs to know and tell (the evaluator's port; AlertStateStore implements it). */
export interface AlertLedger {
  get(fingerprint: string): AlertEvent | undefined;
  remember(event: AlertEvent, origin: string): void;
  forgetUnconfirmed(): void;
  firingFrom(origin: string): AlertEvent[];
  /** Resolves once every alert record written before the call has been read. */
  waitUntilCaughtUp(timeoutMs: number): Promise<void>;
}

interface StoredAlert {
  event: AlertEvent;
  origin: string | null;
}

/**
 * The latest record of every alert, read from the `alerts` topic (the durable log) by every
 * instance, plus the decisions this instance made that the topic has not echoed back yet.
 * The record with the higher `sequence` wins, so an echo or a replay never moves an alert back.
 */
export class AlertStateStore extends TableBackedStore<StoredAlert> implements AlertLedger {
  private readonly confirmed = new Map<string, StoredAlert>();
  private readonly pending = new Map<string, StoredAlert>();
  protected readonly table: TrackedTable<StoredAlert>;

  constructor(kafka: KafkaClient, topic: string, groupIdPrefix: string, logger: Logger) {
    super();
    this.table = new TrackedTable<StoredAlert>(
      kafka,
      {
        topic,
        groupIdPrefix,
        decode: (message) => ({
          event: decodeJsonWith(alertEventSchema, message.value, 'invalid alert record'),
          origin: message.headers[ORIGIN_HEADER] ?? null,
        }),
        keyOf: (_message, value) => value.event.fingerprint,
        onChange: (fingerprint, value) => {
          if (value) this.confirm(fingerprint, value);
        },
      },
      logger,
    );
  }

  get(fingerprint: string): AlertEvent | undefined {
    return this.latest(fingerprint)?.event;
  }

  /** Records a decision of this instance before the topic echoes it back. */
  remember(event: AlertEvent, origin: string): void {
    const known = this.latest(event.fingerprint);
    if (known && known.event.sequence >= event.sequence) return;
    this.pending.set(event.fingerprint, { event, origin });
  }

  /**
   * Forgets decisions not yet seen on the topic: after a rebalance the input is re-read from the
   * last commit and they are decided again (or by another instance).
   */
  forgetUnconfirmed(): void {
    this.pending.clear();
  }

  /** Every alert whose latest record is `firing`. */
  firing(): AlertEvent[] {
    return this.all().filter((event) => event.state === 'firing');
  }

  /** Firing alerts decided by the owner of the given input partition. */
  firingFrom(origin: string): AlertEvent[] {
    const result: AlertEvent[] = [];
    for (const fingerprint of this.fingerprints()) {
      const stored = this.latest(fingerprint);
      if (stored && stored.origin === origin && stored.event.state === 'firing') result.push(stored.event);
    }
    return result;
  }

  all(): AlertEvent[] {
    const result: AlertEvent[] = [];
    for (const fingerprint of this.fingerprints()) {
      const stored = this.latest(fingerprint);
      if (stored) result.push(stored.event);
    }
    return result;
  }

  private fingerprints(): Set<string> {
    return new Set([...this.confirmed.keys(), ...this.pending.keys()]);
  }

  private latest(fingerprint: string): StoredAlert | undefined {
    const confirmed = this.confirmed.get(fingerprint);
    const pending = this.pending.get(fingerprint);
    if (!pending) return confirmed;
    if (!confirmed || pending.event.sequence > confirmed.event.sequence) return pending;
    return confirmed;
  }

  private confirm(fingerprint: string, value: StoredAlert): void {
    const known = this.confirmed.get(fingerprint);
    if (!known || value.event.sequence >= known.event.sequence) this.confirmed.set(fingerprint, value);
    const pending = this.pending.get(fingerprint);
    if (pending && value.event.sequence >= pending.event.sequence) this.pending.delete(fingerprint);
  }
}
