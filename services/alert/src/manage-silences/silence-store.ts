import { randomUUID } from 'node:crypto';
import { decodeJsonWith, rfc3339, type AlertEvent } from '@pulse/contracts';
import type { ConsumedMessage, PulseProducer } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { z } from 'zod';
import { TableBackedStore, TrackedTable, type KafkaClient } from '../state/tracked-table';
import {
  compileMatchers,
  matchableLabels,
  newSilence,
  silenceSchema,
  stateOf,
  type CreateSilence,
  type LabelPredicate,
  type Silence,
  type SilenceState,
} from './silence';

export type SilenceView = Silence & { state: SilenceState };

/** How often expired silences past the retention are looked for. */
const SWEEP_INTERVAL_MS = 60_000;

export interface SilenceStoreSettings {
  /** How long an expired silence stays listed before it is removed (memory and topic). */
  retentionMs: number;
  metrics: SilenceMetrics;
  sweepIntervalMs?: number;
}

/** The counters the store feeds (AlertMetrics has them). */
export interface SilenceMetrics {
  readonly silencesSkipped: { inc(): void };
  readonly silencesRemoved: { inc(): void };
}

/** What is left to know of a stored silence that failed validation: when it may be deleted. */
const removableSchema = z.object({ endsAt: rfc3339 });

/**
 * Silences, kept in the compacted `alerts.silences` topic (one record per silence, rewritten when
 * it is expired) and read by every instance, so any instance can answer the API and every
 * notifier sees every silence. Expired silences stay listed for the retention, as in
 * Alertmanager; then a sweep drops them from memory and writes a tombstone, so compaction removes
 * them from the topic (every instance sweeps: the duplicate tombstones are harmless).
 *
 * A stored silence that fails validation (e.g. a regular expression RE2 cannot compile, written
 * before the rules were this strict) is skipped with a warning and `pulse_alert_silences_skipped_total`:
 * it matches nothing, and is deleted like any other once its end plus the retention passed.
 */
export class SilenceStore extends TableBackedStore<Silence> {
  private readonly silences = new Map<string, { silence: Silence; matches: LabelPredicate }>();
  /** Stored silences that failed validation, by id: when they end. */
  private readonly unusable = new Map<string, number>();
  protected readonly table: TrackedTable<Silence>;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    groupIdPrefix: string,
    private readonly producer: PulseProducer,
    private readonly logger: Logger,
    private readonly settings: SilenceStoreSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
    this.table = new TrackedTable<Silence>(
      kafka,
      {
        topic,
        groupIdPrefix,
        decode: (message) => this.decode(message),
        onChange: (id, silence) => {
          if (silence) this.keep(silence);
          else this.silences.delete(id);
        },
      },
      logger,
    );
  }

  /** Loads the topic, then sweeps at once (silences long over) and every minute. */
  override async start(timeoutMs: number): Promise<void> {
    await super.start(timeoutMs);
    void this.sweep();
    this.sweepTimer = setInterval(
      () => void this.sweep(),
      this.settings.sweepIntervalMs ?? SWEEP_INTERVAL_MS,
    );
    this.sweepTimer.unref();
  }

  override async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.sweeping;
    await super.stop();
  }

  async create(input: CreateSilence): Promise<SilenceView> {
    const silence = newSilence(randomUUID(), input, this.now());
    await this.write(silence);
    return this.view(silence);
  }

  /** Ends a silence now; an expired one stays as it is. Undefined when unknown. */
  async expire(id: string): Promise<SilenceView | undefined> {
    const silence = this.silences.get(id)?.silence;
    if (!silence) return undefined;
    const now = this.now();
    if (stateOf(silence, now) === 'expired') return this.view(silence);
    const expired: Silence = {
      ...silence,
      // A pending silence that is expired never starts.
      startsAt: Date.parse(silence.startsAt) > now.getTime() ? now.toISOString() : silence.startsAt,
      endsAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.write(expired);
    return this.view(expired);
  }

  get(id: string): SilenceView | undefined {
    const silence = this.silences.get(id)?.silence;
    return silence && this.view(silence);
  }

  list(state?: SilenceState): SilenceView[] {
    return [...this.silences.values()]
      .map(({ silence }) => this.view(silence))
      .filter((silence) => state === undefined || silence.state === state)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Ids of the active silences that match the alert. */
  silencing(alert: Pick<AlertEvent, 'labels' | 'rule' | 'severity' | 'kind'>): string[] {
    const now = this.now();
    const labels = matchableLabels(alert);
    return [...this.silences.values()]
      .filter(({ silence, matches }) => stateOf(silence, now) === 'active' && matches(labels))
      .map(({ silence }) => silence.id);
  }

  /**
   * Removes the silences whose end lies more than the retention back: a tombstone to the topic,
   * then out of memory. A failed write is logged and tried again at the next sweep.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.removeOld().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async removeOld(): Promise<void> {
    const cutoff = this.now().getTime() - this.settings.retentionMs;
    const old = [
      ...[...this.silences.values()]
        .filter(({ silence }) => Date.parse(silence.endsAt) <= cutoff)
        .map(({ silence }) => silence.id),
      ...[...this.unusable].filter(([, endsAt]) => endsAt <= cutoff).map(([id]) => id),
    ];
    if (old.length === 0) return;
    try {
      await this.producer.send(old.map((id) => ({ topic: this.topic, key: id, value: null })));
    } catch (error) {
      this.logger.warn({ err: error, silences: old.length }, 'could not delete expired silences; will retry');
      return;
    }
    for (const id of old) {
      this.silences.delete(id);
      this.unusable.delete(id);
      this.settings.metrics.silencesRemoved.inc();
    }
    this.logger.info({ silences: old.length }, 'deleted silences expired longer than the retention');
  }

  /** Validates a stored silence like a new one; a failure is counted and the reader logs and skips it. */
  private decode(message: ConsumedMessage): Silence {
    try {
      return decodeJsonWith(silenceSchema, message.value, 'invalid silence');
    } catch (error) {
      this.settings.metrics.silencesSkipped.inc();
      const id = message.key?.toString('utf8');
      const ends = removableEnd(message.value);
      if (id !== undefined && ends !== undefined) this.unusable.set(id, ends);
      throw error;
    }
  }

  private async write(silence: Silence): Promise<void> {
    await this.producer.send([{ topic: this.topic, key: silence.id, value: JSON.stringify(silence) }]);
    this.keep(silence);
  }

  private keep(silence: Silence): void {
    const known = this.silences.get(silence.id)?.silence;
    if (known && silence.updatedAt < known.updatedAt) return;
    this.silences.set(silence.id, { silence, matches: compileMatchers(silence.matchers) });
    this.unusable.delete(silence.id);
  }

  private view(silence: Silence): SilenceView {
    return { ...silence, state: stateOf(silence, this.now()) };
  }
}

function removableEnd(value: Buffer | null): number | undefined {
  try {
    const parsed = removableSchema.safeParse(JSON.parse(value?.toString('utf8') ?? 'null'));
    return parsed.success ? Date.parse(parsed.data.endsAt) : undefined;
  } catch {
    return undefined;
  }
}
