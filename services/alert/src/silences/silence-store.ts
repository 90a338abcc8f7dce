import { randomUUID } from 'node:crypto';
import { decodeJsonWith, type AlertEvent } from '@pulse/contracts';
import type { PulseProducer } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { TableBackedStore, TrackedTable, type KafkaClient } from '../state/tracked-table';
import {
  matchableLabels,
  matches,
  newSilence,
  silenceSchema,
  stateOf,
  type CreateSilence,
  type Silence,
  type SilenceState,
} from './silence';

export type SilenceView = Silence & { state: SilenceState };

/**
 * Silences, kept in the compacted `alerts.silences` topic (one record per silence, rewritten when
 * it is expired) and read by every instance, so any instance can answer the API and every
 * notifier sees every silence. Expired silences stay listed, as in Alertmanager.
 */
export class SilenceStore extends TableBackedStore<Silence> {
  private readonly silences = new Map<string, Silence>();
  protected readonly table: TrackedTable<Silence>;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    groupIdPrefix: string,
    private readonly producer: PulseProducer,
    logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
    this.table = new TrackedTable<Silence>(
      kafka,
      {
        topic,
        groupIdPrefix,
        decode: (message) => decodeJsonWith(silenceSchema, message.value, 'invalid silence'),
        onChange: (id, silence) => {
          if (silence) this.keep(silence);
        },
      },
      logger,
    );
  }

  async create(input: CreateSilence): Promise<SilenceView> {
    const silence = newSilence(randomUUID(), input, this.now());
    await this.write(silence);
    return this.view(silence);
  }

  /** Ends a silence now; an expired one stays as it is. Undefined when unknown. */
  async expire(id: string): Promise<SilenceView | undefined> {
    const silence = this.silences.get(id);
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
    const silence = this.silences.get(id);
    return silence && this.view(silence);
  }

  list(state?: SilenceState): SilenceView[] {
    return [...this.silences.values()]
      .map((silence) => this.view(silence))
      .filter((silence) => state === undefined || silence.state === state)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Ids of the active silences that match the alert. */
  silencing(alert: Pick<AlertEvent, 'labels' | 'rule' | 'severity' | 'kind'>): string[] {
    const now = this.now();
    const labels = matchableLabels(alert);
    return [...this.silences.values()]
      .filter((silence) => stateOf(silence, now) === 'active' && matches(silence, labels))
      .map((silence) => silence.id);
  }

  private async write(silence: Silence): Promise<void> {
    await this.producer.send([{ topic: this.topic, key: silence.id, value: JSON.stringify(silence) }]);
    this.keep(silence);
  }

  private keep(silence: Silence): void {
    const known = this.silences.get(silence.id);
    if (!known || silence.updatedAt >= known.updatedAt) this.silences.set(silence.id, silence);
  }

  private view(silence: Silence): SilenceView {
    return { ...silence, state: stateOf(silence, this.now()) };
  }
}
