import { context, type Context } from '@opentelemetry/api';
import { alertEventSchema, decodeJsonWith, type AlertEvent } from '@pulse/contracts';
import {
  TransientError,
  type CommitPoint,
  type ConsumedMessage,
  type ConsumerHooks,
  type MessageHandler,
  type PartitionRef,
} from '@pulse/kafka';
import type { RuleSource } from '../rules/rule-book';
import type { DeliveryWaits } from './delivery-waits';
import type { HandoverFence } from './handover-fence';

/** One `alerts` record waiting for Slack. */
export interface OutboxEntry {
  partition: number;
  offset: bigint;
  message: ConsumedMessage;
  alert: AlertEvent;
  group: string;
  /** The record's trace (its consumer span), which the Slack request continues. */
  trace: Context;
  /** The assignment it was read under: settling it counts only within that one. */
  generation: number;
}

/** Records held for delivery at most; beyond, consumption waits (a long Slack outage must not fill memory). */
export const MAX_WAITING = 10_000;

/** Delivery order: a critical alert never waits behind warnings, a warning never behind infos. */
export const SEVERITY_RANK: Record<AlertEvent['severity'], number> = { critical: 2, warning: 1, info: 0 };

/**
 * The Slack consumer's handler: `alerts` records wait here, by partition and by group (the rule,
 * or the rule's `group`), until the delivery loop settles them. Grouping has to look ahead of
 * the record in hand, which a consumer can only do outside its batch (kafkajs fetches the next
 * batch only after the current one returned), so the commit lags behind: after each batch the
 * runner commits the first record of the partition not yet settled. A rebalance starts over
 * from the committed offsets.
 */
export class SlackOutbox implements MessageHandler {
  private currentGeneration = 0;
  private readonly open = new Map<number, Map<bigint, OutboxEntry>>();
  private readonly groups = new Map<string, OutboxEntry[]>();

  constructor(
    private readonly rules: RuleSource,
    private readonly fence: HandoverFence,
    private readonly waits: DeliveryWaits,
    private readonly groupWaitMs: number,
  ) {}

  /** Changes with every assignment: work of an older one is dropped. */
  get generation(): number {
    return this.currentGeneration;
  }

  hooks(): ConsumerHooks {
    return {
      onAssignment: (assigned) => this.onAssignment(assigned),
      afterBatch: async (partition, lastOffset) => this.commitPoint(partition, lastOffset),
    };
  }

  handle(message: ConsumedMessage): [] {
    if (this.pending() >= MAX_WAITING) {
      // The runner retries this record later and commits nothing past it.
      throw new TransientError(`${MAX_WAITING} alerts already wait for Slack`, 5_000);
    }
    const alert = decodeJsonWith(alertEventSchema, message.value, 'invalid alert record');
    const entry: OutboxEntry = {
      partition: message.partition,
      offset: BigInt(message.offset),
      message,
      alert,
      group: this.rules.rule(alert.rule)?.group ?? alert.rule,
      trace: context.active(),
      generation: this.currentGeneration,
    };
    const partition = this.open.get(entry.partition) ?? new Map<bigint, OutboxEntry>();
    if (partition.has(entry.offset)) return [];
    partition.set(entry.offset, entry);
    this.open.set(entry.partition, partition);
    const group = this.groups.get(entry.group) ?? [];
    group.push(entry);
    this.groups.set(entry.group, group);
    this.waits.wake('record');
    return [];
  }

  /** Records waiting for delivery (for tests and the readiness detail). */
  pending(): number {
    let count = 0;
    for (const partition of this.open.values()) count += partition.size;
    return count;
  }

  /** The group whose wait is over, the most severe first, then the oldest; or null. */
  nextDue(now: number): string | null {
    let best: { group: string; rank: number; dueAt: number } | null = null;
    for (const [group, entries] of this.groups) {
      const dueAt = this.dueAt(entries);
      if (dueAt > now) continue;
      const rank = severityRank(entries);
      if (best === null || rank > best.rank || (rank === best.rank && dueAt < best.dueAt)) {
        best = { group, rank, dueAt };
      }
    }
    return best?.group ?? null;
  }

  /** How long until some group's wait is over (a minute when none waits). */
  untilNextDue(now: number): number {
    let next = Infinity;
    for (const entries of this.groups.values()) next = Math.min(next, this.dueAt(entries));
    return next === Infinity ? 60_000 : Math.max(0, next - now);
  }

  /** Takes a group's entries out of the choice; they stay unsettled until settle(). */
  take(group: string): OutboxEntry[] {
    const entries = this.groups.get(group) ?? [];
    this.groups.delete(group);
    return entries;
  }

  /** Puts entries back ahead of what arrived for the group meanwhile. */
  putBack(group: string, entries: OutboxEntry[]): void {
    if (entries.length > 0) this.groups.set(group, [...entries, ...(this.groups.get(group) ?? [])]);
  }

  /**
   * Returns taken entries that are still unsettled, of this assignment, and not queued again
   * already: after an unexpected failure they wait for the next attempt instead of holding the
   * commit until a rebalance.
   */
  restore(group: string, entries: readonly OutboxEntry[]): void {
    const queued = new Set(this.groups.get(group) ?? []);
    this.putBack(
      group,
      entries.filter(
        (entry) =>
          entry.generation === this.currentGeneration &&
          !queued.has(entry) &&
          (this.open.get(entry.partition)?.has(entry.offset) ?? false),
      ),
    );
  }

  /** The entry needs nothing more: the commit may move past it. */
  settle(entry: OutboxEntry): void {
    if (entry.generation !== this.currentGeneration) return;
    this.open.get(entry.partition)?.delete(entry.offset);
  }

  private onAssignment(_assigned: PartitionRef[]): void {
    // The runner re-reads every assigned partition from its commit: start over from there.
    this.currentGeneration += 1;
    this.open.clear();
    this.groups.clear();
    this.fence.begin();
    this.waits.wake('control');
  }

  private commitPoint(partition: PartitionRef, lastOffset: string): CommitPoint {
    let first: bigint | null = null;
    for (const offset of this.open.get(partition.partition)?.keys() ?? []) {
      if (first === null || offset < first) first = offset;
    }
    return { offset: (first ?? BigInt(lastOffset) + 1n).toString() };
  }

  private dueAt(entries: OutboxEntry[]): number {
    let first = Infinity;
    for (const entry of entries) first = Math.min(first, Date.parse(entry.alert.updatedAt));
    return first + this.groupWaitMs;
  }
}

function severityRank(entries: readonly OutboxEntry[]): number {
  let rank = 0;
  for (const entry of entries) rank = Math.max(rank, SEVERITY_RANK[entry.alert.severity]);
  return rank;
}
