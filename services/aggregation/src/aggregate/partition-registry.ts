import type { Logger } from '@pulse/observability';
import { TransientError, type KafkaOffsets } from '@pulse/kafka';
import { retrying } from '@pulse/retry';
import { decodeCommitMetadata } from '@pulse/contracts';
import type { ResumePoint } from '../state/partition-aggregator';

/** Where one assigned partition resumes (from Kafka: committed offset, metadata, log end). */
export interface Resumption {
  readonly partition: number;
  /** First offset the consumer will read: the committed one, else the log start. */
  readonly startOffset: number;
  readonly resume: ResumePoint;
}

export interface RegistryOptions<P> {
  readonly offsets: KafkaOffsets;
  readonly groupId: string;
  readonly topic: string;
  readonly logger: Logger;
  create(resumption: Resumption): P;
}

/**
 * The partitions this instance owns, each once its resumption point is known. On every assignment all state is
 * dropped and rebuilt: kafkajs restarts every assigned partition, kept ones included, from its
 * committed offset, so kept state would count the replayed messages twice.
 */
export class PartitionRegistry<P> {
  private readonly ready = new Map<number, P>();
  private readonly pending = new Map<number, Promise<P>>();
  private generation = 0;

  constructor(private readonly options: RegistryOptions<P>) {}

  /** Must run synchronously inside the GROUP_JOIN event, before any message of it is handled. */
  assign(partitions: readonly number[]): void {
    this.generation += 1;
    const generation = this.generation;
    this.ready.clear();
    this.pending.clear();
    if (partitions.length === 0) return;
    const loading = this.load(partitions, generation);
    // Only the handler awaits these; a superseded load must not raise an unhandled rejection.
    loading.catch(() => undefined);
    for (const partition of partitions) {
      const owned = loading.then((resumptions) => {
        const resumption = resumptions.get(partition) as Resumption;
        const created = this.options.create(resumption);
        if (generation === this.generation) {
          this.ready.set(partition, created);
          this.pending.delete(partition);
        }
        return created;
      });
      owned.catch(() => undefined);
      this.pending.set(partition, owned);
    }
  }

  /** An owned partition, once its resumption point is known. */
  get(partition: number): P | undefined {
    return this.ready.get(partition);
  }

  async whenReady(partition: number): Promise<P> {
    const ready = this.ready.get(partition);
    if (ready !== undefined) return ready;
    const pending = this.pending.get(partition);
    if (pending === undefined)
      throw new TransientError(
        `partition ${partition} is not assigned to this instance (rebalance under way)`,
      );
    return pending;
  }

  /** The owned partitions whose resumption point is known. */
  owned(): IterableIterator<P> {
    return this.ready.values();
  }

  private async load(partitions: readonly number[], generation: number): Promise<Map<number, Resumption>> {
    const superseded = () => generation !== this.generation;
    const supersededError = () => new TransientError('assignment superseded by a newer rebalance');
    return retrying(
      async () => {
        if (superseded()) throw supersededError();
        return this.fetch(partitions);
      },
      {
        shouldRetry: () => !superseded(),
        onRetry: (error, attempt) =>
          this.options.logger.warn({ err: error, attempt }, 'could not read committed offsets; retrying'),
      },
    ).catch((error: unknown) => {
      throw superseded() ? supersededError() : error;
    });
  }

  private async fetch(partitions: readonly number[]): Promise<Map<number, Resumption>> {
    const { offsets, groupId, topic, logger } = this.options;
    const [commits, logs] = await Promise.all([
      offsets.committedOffsets(groupId, topic),
      offsets.partitionBounds(topic),
    ]);
    const out = new Map<number, Resumption>();
    for (const partition of partitions) {
      const commit = commits.get(partition);
      const log = logs.get(partition);
      const low = Number(log?.low ?? 0);
      const high = Number(log?.high ?? 0);
      const committedOffset = commit === undefined ? -1 : Number(commit.offset);
      const startOffset = committedOffset >= 0 ? Math.max(committedOffset, low) : low;
      const metadata = decodeCommitMetadata(commit?.metadata);
      if (committedOffset >= 0 && metadata === undefined) {
        logger.warn(
          { partition, committedOffset },
          'committed offset has no aggregation metadata; starting windows afresh there',
        );
      }
      if (committedOffset >= 0 && committedOffset < low) {
        logger.warn(
          { partition, committedOffset, low },
          'committed offset is older than the log start (retention); windows there may be partial',
        );
      }
      out.set(partition, {
        partition,
        startOffset,
        resume: {
          maxEventTime: metadata?.maxEventTime ?? Number.NEGATIVE_INFINITY,
          frontier: metadata?.frontier ?? Number.NEGATIVE_INFINITY,
          catchUpUntil: high > startOffset ? high : null,
        },
      });
    }
    return out;
  }
}
