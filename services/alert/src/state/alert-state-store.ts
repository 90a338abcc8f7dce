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
  /** Alerts of the rule whose latest record is `firing` (the overflow notice not counted). */
  firingCount(rule: string): number;
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

/** Identity label of a rule's "too many alerts" notice (see the evaluator's per-rule cap). */
export const OVERFLOW_LABEL = 'overflow';

export function isOverflowNotice(alert: Pick<AlertEvent, 'labels'>): boolean {
  return alert.labels[OVERFLOW_LABEL] !== undefined;
}

/** True for a resolved alert that ended more than `retentionMs` before `now`. */
export function isExpired(alert: AlertEvent, now: number, retentionMs: number): boolean {
  if (alert.state !== 'resolved') return false;
  return Date.parse(alert.endsAt ?? alert.updatedAt) < now - retentionMs;
}

/**
 * The latest record of every alert, read from the `alerts` topic (the durable log) by every
 * instance, plus the decisions this instance made that the topic has not echoed back yet.
 * The record with the higher `sequence` wins, so an echo or a replay never moves an alert back.
 *
 * Bounded: firing alerts are bounded by the evaluator's per-rule cap, and `sweep()` forgets
 * resolved alerts that ended more than the retention ago (the topic keeps its records until its
 * own retention; a start-up reads them and the first sweep drops them again).
 */
export class AlertStateStore extends TableBackedStore<StoredAlert> implements AlertLedger {
  private readonly confirmed = new Map<string, StoredAlert>();
  private readonly pending = new Map<string, StoredAlert>();
  /** Firing fingerprints per rule, kept in step with `latest()` (the cap asks on every decision). */
  private readonly firingByRule = new Map<string, Set<string>>();
  protected readonly table: TrackedTable<StoredAlert>;

  constructor(
    kafka: KafkaClient,
    topic: string,
    groupIdPrefix: string,
    logger: Logger,
    private readonly settings: { retentionMs: number },
    private readonly now: () => number = () => Date.now(),
  ) {
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
    this.reindex(event.fingerprint, known?.event);
  }

  firingCount(rule: string): number {
    return this.firingByRule.get(rule)?.size ?? 0;
  }

  /**
   * Forgets resolved alerts that ended more than the retention ago, unless `keep` says another
   * table still refers to them (the delivery log: a fingerprint fired again must not start over
   * at a sequence the log still holds). Returns how many were forgotten.
   */
  sweep(keep: (fingerprint: string) => boolean = () => false): number {
    const now = this.now();
    let forgotten = 0;
    for (const [fingerprint, stored] of this.confirmed) {
      if (this.pending.has(fingerprint) || keep(fingerprint)) continue;
      if (!isExpired(stored.event, now, this.settings.retentionMs)) continue;
      this.confirmed.delete(fingerprint);
      this.table.forget(fingerprint);
      forgotten += 1;
    }
    return forgotten;
  }

  /** Alerts held in memory (for tests and logs). */
  size(): number {
    return this.fingerprints().size;
  }

  /**
   * Forgets decisions not yet seen on the topic: after a rebalance the input is re-read from the
   * last commit and they are decided again (or by another instance).
   */
  forgetUnconfirmed(): void {
    const fingerprints = [...this.pending.keys()];
    const before = new Map(fingerprints.map((fingerprint) => [fingerprint, this.latest(fingerprint)?.event]));
    this.pending.clear();
    for (const fingerprint of fingerprints) this.reindex(fingerprint, before.get(fingerprint));
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
    const before = this.latest(fingerprint)?.event;
    const known = this.confirmed.get(fingerprint);
    if (!known || value.event.sequence >= known.event.sequence) {
      // A resolution already past the retention (e.g. read at start-up) is not kept at all.
      if (!before && isExpired(value.event, this.now(), this.settings.retentionMs)) {
        this.table.forget(fingerprint);
        return;
      }
      this.confirmed.set(fingerprint, value);
    }
    const pending = this.pending.get(fingerprint);
    if (pending && value.event.sequence >= pending.event.sequence) this.pending.delete(fingerprint);
    this.reindex(fingerprint, before);
  }

  /** Moves the alert in the per-rule firing index after its latest record may have changed. */
  private reindex(fingerprint: string, before: AlertEvent | undefined): void {
    if (before?.state === 'firing') this.firingByRule.get(before.rule)?.delete(fingerprint);
    const after = this.latest(fingerprint)?.event;
    if (after?.state === 'firing' && !isOverflowNotice(after)) {
      const firing = this.firingByRule.get(after.rule) ?? new Set<string>();
      firing.add(fingerprint);
      this.firingByRule.set(after.rule, firing);
    }
  }
}
