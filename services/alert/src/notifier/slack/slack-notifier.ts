import { SpanKind, SpanStatusCode, context, trace, type Context, type Link } from '@opentelemetry/api';
import { alertEventSchema, decodeJsonWith, type AlertEvent } from '@pulse/contracts';
import {
  PoisonMessageError,
  TransientError,
  type CommitPoint,
  type ConsumedMessage,
  type ConsumerHooks,
  type ConsumerRunner,
  type MessageHandler,
  type PartitionRef,
} from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { RetryStoppedError, backoffDelay, retryDelay, retrying, type BackoffPolicy } from '@pulse/retry';
import type { AlertMetrics } from '../../metrics/alert-metrics';
import type { RuleSource } from '../../rules/rule-book';
import type { SilenceStore } from '../../silences/silence-store';
import type { Delivery, DeliveryLog } from '../delivery-log';
import { MAX_ALERTS_PER_MESSAGE, buildSlackMessage } from './slack-message';
import type { SlackResult, SlackWebhook } from './slack-webhook';

export interface SlackNotifierSettings {
  groupWaitMs: number;
  minIntervalMs: number;
  maxBackoffMs: number;
  /**
   * After a rebalance, how long to wait before sending for the partitions received: another
   * instance may still have a request in flight for them (bounded by the Slack timeout).
   */
  handoverGraceMs: number;
  fenceTimeoutMs: number;
  /**
   * Records older than this (by `updatedAt`) are not sent: the delivery log forgets what it
   * handled after the same time, so it could no longer tell whether they went out already.
   */
  retentionMs: number;
}

/** Where refused notifications go: the consumer runner's own dead-letter path. */
export type DeadLetterSink = Pick<ConsumerRunner, 'deadLetter'>;

/** Delivery order: a critical alert never waits behind warnings, a warning never behind infos. */
const SEVERITY_RANK: Record<AlertEvent['severity'], number> = { critical: 2, warning: 1, info: 0 };

export interface SlackNotifierDeps {
  webhook: Pick<SlackWebhook, 'post'>;
  deliveries: Pick<DeliveryLog, 'handled' | 'record' | 'waitUntilCaughtUp'>;
  silences: Pick<SilenceStore, 'silencing'>;
  rules: RuleSource;
  deadLetters: DeadLetterSink;
  logger: Logger;
  metrics: AlertMetrics;
  settings: SlackNotifierSettings;
}

interface Entry {
  partition: number;
  offset: bigint;
  message: ConsumedMessage;
  alert: AlertEvent;
  group: string;
  trace: Context;
  generation: number;
}

const tracer = trace.getTracer('pulse-alert');

/** Records held for delivery at most; beyond, consumption waits (a long Slack outage must not fill memory). */
export const MAX_WAITING = 10_000;

/**
 * Delivers `alerts` records to Slack, grouped: records of one group (the rule, or the rule's
 * `group`) that arrive within the group wait become one message. Among the groups whose wait is
 * over, the most severe goes first, one message (at most MAX_ALERTS_PER_MESSAGE alerts) at a
 * time, so a critical alert waits for at most the message in flight, never for a flood of
 * warnings. An alert's own records all share its group and only its newest waiting state is
 * sent, so firing is never overtaken by its resolution. Grouping has to look ahead of
 * the record in hand, which a consumer can only do outside its batch (kafkajs fetches the next
 * batch only after the current one returned), so records wait in this outbox and the commit
 * lags behind: after each batch the runner commits the first record not yet delivered. Nothing
 * is committed past an undelivered record; what was delivered but is read again after a restart
 * is recognised in the delivery log and skipped.
 */
export class SlackNotifier implements MessageHandler {
  private generation = 0;
  private readonly open = new Map<number, Map<bigint, Entry>>();
  private readonly groups = new Map<string, Entry[]>();
  private fence: Promise<void> = Promise.resolve();
  private running = false;
  /** Set by stop(): the one thing that ends a hand-over wait before its time. */
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly waiters = new Set<{ onRecord: boolean; wake: () => void }>();
  private lastPostAt = 0;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly deps: SlackNotifierDeps) {
    this.backoff = { initialMs: 1_000, maxMs: deps.settings.maxBackoffMs, factor: 2 };
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
    const entry: Entry = {
      partition: message.partition,
      offset: BigInt(message.offset),
      message,
      alert,
      group: this.deps.rules.rule(alert.rule)?.group ?? alert.rule,
      trace: context.active(),
      generation: this.generation,
    };
    const partition = this.open.get(entry.partition) ?? new Map<bigint, Entry>();
    if (partition.has(entry.offset)) return [];
    partition.set(entry.offset, entry);
    this.open.set(entry.partition, partition);
    const group = this.groups.get(entry.group) ?? [];
    group.push(entry);
    this.groups.set(entry.group, group);
    this.wakeUp('record');
    return [];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops sending; a request in flight finishes (bounded by the Slack timeout) and is recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wakeUp('control');
    await this.loop;
  }

  /** Records waiting for delivery (for tests and the readiness detail). */
  pending(): number {
    let count = 0;
    for (const partition of this.open.values()) count += partition.size;
    return count;
  }

  private onAssignment(_assigned: PartitionRef[]): void {
    // The runner re-reads every assigned partition from its commit: start over from there.
    this.generation += 1;
    this.open.clear();
    this.groups.clear();
    const { handoverGraceMs, fenceTimeoutMs } = this.deps.settings;
    const graceEnds = Date.now() + handoverGraceMs;
    this.fence = (async () => {
      await this.sleepUntil(graceEnds);
      await this.deps.deliveries.waitUntilCaughtUp(fenceTimeoutMs);
    })();
    this.wakeUp('control');
  }

  private commitPoint(partition: PartitionRef, lastOffset: string): CommitPoint {
    let first: bigint | null = null;
    for (const offset of this.open.get(partition.partition)?.keys() ?? []) {
      if (first === null || offset < first) first = offset;
    }
    return { offset: (first ?? BigInt(lastOffset) + 1n).toString() };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.fence;
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'delivery log not caught up; retrying before sending to Slack');
        this.fence = this.sleep(1_000).then(() =>
          this.deps.deliveries.waitUntilCaughtUp(this.deps.settings.fenceTimeoutMs),
        );
        continue;
      }
      const due = this.nextDue(Date.now());
      if (due === null) {
        await this.sleep(this.untilNextDue(Date.now()), { onRecord: true });
        continue;
      }
      try {
        await this.deliver(due);
      } catch (error) {
        this.deps.logger.error({ err: error, group: due }, 'Slack delivery failed unexpectedly; will retry');
        await this.sleep(backoffDelay(1, this.backoff));
      }
    }
  }

  /** The group whose wait is over, the most severe first, then the oldest; or null. */
  private nextDue(now: number): string | null {
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

  private untilNextDue(now: number): number {
    let next = Infinity;
    for (const entries of this.groups.values()) next = Math.min(next, this.dueAt(entries));
    return next === Infinity ? 60_000 : Math.max(0, next - now);
  }

  private dueAt(entries: Entry[]): number {
    let first = Infinity;
    for (const entry of entries) first = Math.min(first, Date.parse(entry.alert.updatedAt));
    return first + this.deps.settings.groupWaitMs;
  }

  /**
   * Settles what of the group needs no message (duplicates, expired, silenced) and sends one
   * message of the rest, most severe first; what does not fit goes back to the group, so the
   * next choice of group sees anything more severe that arrived meanwhile.
   */
  private async deliver(group: string): Promise<void> {
    const entries = this.groups.get(group) ?? [];
    this.groups.delete(group);
    const generation = this.generation;
    const { deliveries, silences, metrics } = this.deps;
    const expiredBefore = Date.now() - this.deps.settings.retentionMs;

    const toSend = new Map<string, Entry>();
    const silenced: Entry[] = [];
    for (const entry of entries) {
      const { alert } = entry;
      if (Date.parse(alert.updatedAt) < expiredBefore) {
        metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'expired' });
        this.done(entry);
        continue;
      }
      if (deliveries.handled('slack', alert.fingerprint, alert.sequence)) {
        metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'duplicate' });
        this.done(entry);
        continue;
      }
      const newer = toSend.get(alert.fingerprint);
      if (newer && newer.alert.sequence >= alert.sequence) {
        metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'duplicate' });
        this.done(entry);
        continue;
      }
      if (newer) {
        metrics.notifications.inc({ rule: newer.alert.rule, channel: 'slack', outcome: 'duplicate' });
        this.done(newer);
      }
      if (silences.silencing(alert).length > 0) silenced.push(entry);
      else toSend.set(alert.fingerprint, entry);
    }
    // Stable sort: one entry per alert, so no alert's records are reordered.
    const sendable = [...toSend.values()].sort(
      (a, b) => SEVERITY_RANK[b.alert.severity] - SEVERITY_RANK[a.alert.severity],
    );
    const chunk = sendable.slice(0, MAX_ALERTS_PER_MESSAGE);
    const rest = sendable.slice(MAX_ALERTS_PER_MESSAGE);
    if (rest.length > 0) this.groups.set(group, [...rest, ...(this.groups.get(group) ?? [])]);

    for (const entry of silenced) {
      metrics.notifications.inc({ rule: entry.alert.rule, channel: 'slack', outcome: 'silenced' });
    }
    await this.record(silenced, 'silenced');
    silenced.forEach((entry) => this.done(entry));

    if (chunk.length > 0) await this.sendWithRetries(group, chunk, generation);
  }

  /** True once the chunk is settled (delivered or dead-lettered); false if sending must stop. */
  private async sendWithRetries(group: string, chunk: Entry[], generation: number): Promise<boolean> {
    const { metrics, logger } = this.deps;
    const payload = buildSlackMessage(
      group,
      chunk.map((entry) => entry.alert),
    );
    for (let attempt = 1; ; attempt += 1) {
      if (!this.running || generation !== this.generation) return false;
      await this.sleep(this.lastPostAt + this.deps.settings.minIntervalMs - Date.now());
      if (!this.running || generation !== this.generation) return false;
      const result = await this.post(chunk, payload);
      this.lastPostAt = Date.now();
      metrics.deliveryAttempts.inc({ channel: 'slack', result: resultLabel(result) });
      if (result.kind === 'ok') {
        await this.recordDelivered(chunk);
        return true;
      }
      if (result.kind === 'permanent') {
        await this.deadLetter(chunk, result.reason);
        return true;
      }
      const delay = retryDelay(
        attempt,
        this.backoff,
        result.kind === 'rate_limited' ? result.retryAfterMs : undefined,
      );
      logger.warn(
        { group, alerts: chunk.length, attempt, delayMs: delay, reason: result.reason },
        'Slack delivery failed; retrying (nothing is committed meanwhile)',
      );
      await this.sleep(delay);
    }
  }

  private post(chunk: Entry[], payload: unknown): Promise<SlackResult> {
    const [first, ...others] = chunk;
    const links: Link[] = others
      .map((entry) => ({ context: trace.getSpanContext(entry.trace) }))
      .filter((link): link is Link => link.context !== undefined);
    return context.with(first?.trace ?? context.active(), () =>
      tracer.startActiveSpan('slack notify', { kind: SpanKind.CLIENT, links }, async (span) => {
        span.setAttribute('pulse.alert.count', chunk.length);
        try {
          const result = await this.deps.webhook.post(payload);
          if (result.kind !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
          return result;
        } finally {
          span.end();
        }
      }),
    );
  }

  private async recordDelivered(chunk: Entry[]): Promise<void> {
    const now = Date.now();
    for (const { alert } of chunk) {
      this.deps.metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'delivered' });
      if (alert.triggerEventTime !== null) {
        this.deps.metrics.notificationLatency.observe(
          { channel: 'slack', state: alert.state },
          Math.max(0, now - Date.parse(alert.triggerEventTime)) / 1000,
        );
      }
    }
    this.deps.metrics.slackMessages.inc({ result: 'delivered' });
    this.deps.logger.info(
      {
        alerts: chunk.map(({ alert }) => ({
          fingerprint: alert.fingerprint,
          rule: alert.rule,
          state: alert.state,
        })),
      },
      'delivered to Slack',
    );
    await this.record(chunk, 'delivered');
    chunk.forEach((entry) => this.done(entry));
  }

  /**
   * Hands the records to the consumer runner's dead-letter path. They are not written to the
   * delivery log: only what Slack accepted (or a silence muted) counts as handled, so
   * `pulse dlq redrive` of these records — once the cause is fixed — delivers them.
   */
  private async deadLetter(chunk: Entry[], reason: string): Promise<void> {
    const { deadLetters, metrics, logger } = this.deps;
    const error = new PoisonMessageError(
      `Slack refused the notification for good (${reason}); check PULSE_SLACK_WEBHOOK_URL`,
      'SlackRejected',
    );
    try {
      await retrying(
        () =>
          deadLetters.deadLetter(
            chunk.map((entry) => entry.message),
            error,
          ),
        {
          policy: this.backoff,
          stopped: () => !this.running,
          sleep: (ms) => this.sleep(ms),
          onRetry: (failure, attempt) =>
            logger.warn({ err: failure, attempt }, 'could not dead-letter rejected notifications; retrying'),
        },
      );
    } catch (failure) {
      if (failure instanceof RetryStoppedError) return;
      throw failure;
    }
    for (const { alert } of chunk)
      metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'failed' });
    metrics.slackMessages.inc({ result: 'dead_lettered' });
    logger.error(
      { reason, alerts: chunk.length },
      'Slack rejected the notification; alerts sent to dead-letter',
    );
    chunk.forEach((entry) => this.done(entry));
  }

  /**
   * Writes the delivery log. A failure here is retried a few times; after that the records are
   * settled anyway — the commit then moves past them, and only a restart before that commit
   * could repeat them.
   */
  private async record(entries: Entry[], outcome: Delivery['outcome']): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date().toISOString();
    const deliveries: Delivery[] = entries.map(({ alert }) => ({
      channel: 'slack',
      fingerprint: alert.fingerprint,
      sequence: alert.sequence,
      state: alert.state,
      outcome,
      at,
    }));
    try {
      await retrying(() => this.deps.deliveries.record(deliveries), {
        policy: this.backoff,
        maxAttempts: 5,
        sleep: (ms) => this.sleep(ms),
        onRetry: (error, attempt) =>
          this.deps.logger.warn({ err: error, attempt }, 'could not write the delivery log'),
      });
    } catch (error) {
      this.deps.logger.error(
        { err: error, entries: entries.length, outcome },
        'delivery log not written; gave up after 5 attempts',
      );
    }
  }

  private done(entry: Entry): void {
    if (entry.generation !== this.generation) return;
    this.open.get(entry.partition)?.delete(entry.offset);
  }

  /** A new record wakes only the idle wait; a rebalance or stop() wakes every wait. */
  private wakeUp(reason: 'record' | 'control'): void {
    for (const waiter of [...this.waiters]) if (reason === 'control' || waiter.onRecord) waiter.wake();
  }

  /**
   * Sleeps until `deadline` whatever wakes the loop meanwhile (this assignment's own wake-up,
   * records, a later rebalance); only stop() ends it early. The hand-over grace must run out
   * whole: a previous owner's request to Slack may still be in flight until then.
   */
  private async sleepUntil(deadline: number): Promise<void> {
    while (!this.stopping && Date.now() < deadline) await this.sleep(deadline - Date.now());
  }

  /**
   * Sleeps up to `ms`, cut short by a rebalance or stop() — and by a new record if `onRecord`
   * (backoff and Retry-After waits are not: the webhook must not be hit earlier).
   */
  private sleep(ms: number, { onRecord = false }: { onRecord?: boolean } = {}): Promise<void> {
    // Once stop() asked, no wait begins: its wake-up may have come while the loop was elsewhere.
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        onRecord,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      this.waiters.add(waiter);
    });
  }
}

function resultLabel(result: SlackResult): string {
  return result.kind;
}

function severityRank(entries: readonly Entry[]): number {
  let rank = 0;
  for (const entry of entries) rank = Math.max(rank, SEVERITY_RANK[entry.alert.severity]);
  return rank;
}
