/** A position to commit for one partition; metadata is stored with the offset in Kafka. */
export interface CommitTarget {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly metadata?: string | null;
}

export type CommitSender = (targets: readonly CommitTarget[]) => Promise<void>;

const keyOf = ({ topic, partition }: CommitTarget): string => `${topic}\u0000${partition}`;

/**
 * Decides when a consumer commits. Every OffsetCommit is a write to the group's log on the
 * broker; committing after every fetched batch made commits a third of the broker's CPU at
 * moderate rates, where batches are small. With an interval, a partition commits at once when its
 * last commit is older than the interval (so a quiet topic still commits each batch), and
 * otherwise keeps the newest position for the next batch or the periodic `flush`.
 *
 * What is deferred is only replayed after a crash or a rebalance, never lost: the position is
 * committed only after the batch's records were produced and its effects made durable, and
 * Pulse's consumers absorb replays. Commits go out one after the other, so a
 * partition's committed offset never moves back because two commits overtook each other, and a
 * commit still queued when the assignment changes (`reset`) is dropped, never sent under the new
 * generation.
 */
export class CommitScheduler {
  private readonly deferred = new Map<string, CommitTarget>();
  private readonly lastCommitAt = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private epoch = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Positions waiting for the next commit. */
  get pending(): number {
    return this.deferred.size;
  }

  /**
   * Commits `target` through `send` when it is due (or `force`, e.g. while stopping) and resolves
   * once it is committed; otherwise keeps it for later and resolves at once.
   */
  async offer(target: CommitTarget, send: CommitSender, force = false): Promise<void> {
    const key = keyOf(target);
    const now = this.now();
    const last = this.lastCommitAt.get(key);
    if (!force && this.intervalMs > 0 && last !== undefined && now - last < this.intervalMs) {
      this.deferred.set(key, target);
      return;
    }
    this.deferred.delete(key);
    this.lastCommitAt.set(key, now);
    await this.enqueue(() => send([target]));
  }

  /**
   * Commits deferred positions in one request: with `dueOnly`, those whose partition last
   * committed at least an interval ago (between fetches, so a partition that went quiet still
   * commits its last batch); otherwise all of them (before stopping).
   */
  async flush(send: CommitSender, { dueOnly = false } = {}): Promise<void> {
    if (this.deferred.size === 0) return;
    const now = this.now();
    const targets: CommitTarget[] = [];
    for (const [key, target] of this.deferred) {
      if (dueOnly && now - (this.lastCommitAt.get(key) ?? -Infinity) < this.intervalMs) continue;
      targets.push(target);
      this.deferred.delete(key);
      this.lastCommitAt.set(key, now);
    }
    if (targets.length === 0) return;
    await this.enqueue(() => send(targets));
  }

  /**
   * After a rebalance: positions taken under the old assignment are dropped, never committed
   * late — the partition may belong to another member now, and committing for it could move its
   * position back. The new owner replays from the last committed position instead.
   */
  reset(): void {
    this.epoch += 1;
    this.deferred.clear();
    this.lastCommitAt.clear();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const epoch = this.epoch;
    const run = this.chain.then(() => (epoch === this.epoch ? work() : undefined));
    this.chain = run.catch(() => undefined);
    return run;
  }
}
