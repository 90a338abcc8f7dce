import { PoisonMessageError, type ConsumerRunner } from '@pulse/kafka';
import type { Logger } from '@pulse/observability';
import { RetryStoppedError, backoffDelay, retrying, type BackoffPolicy } from '@pulse/retry';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { SilenceStore } from '../manage-silences/silence-store';
import type { DeliveryLog } from '../state/delivery-log';
import type { DeliveryRecorder } from './delivery-recorder';
import type { DeliveryWaits } from './delivery-waits';
import type { HandoverFence } from './handover-fence';
import { MAX_ALERTS_PER_MESSAGE } from './slack-message';
import type { OutboxEntry, SlackOutbox } from './slack-outbox';
import type { SlackSender } from './slack-sender';
import { triage } from './triage';

/** Where refused notifications go: the Slack consumer runner's own dead-letter path. */
export type DeadLetterSink = Pick<ConsumerRunner, 'deadLetter'>;

export interface SlackDeliveryDeps {
  outbox: SlackOutbox;
  fence: HandoverFence;
  waits: DeliveryWaits;
  sender: Pick<SlackSender, 'send'>;
  recorder: Pick<DeliveryRecorder, 'record'>;
  deliveries: Pick<DeliveryLog, 'handled'>;
  silences: Pick<SilenceStore, 'silencing'>;
  metrics: AlertMetrics;
  logger: Logger;
  backoff: BackoffPolicy;
  /**
   * Records older than this (by `updatedAt`) are not sent: the delivery log forgets what it
   * handled after the same time, so it could no longer tell whether they went out already.
   */
  retentionMs: number;
}

/**
 * Delivers what waits in the Slack outbox, one message (at most MAX_ALERTS_PER_MESSAGE alerts)
 * at a time: among the groups whose wait is over, the most severe first, so a critical alert
 * waits for at most the message in flight, never for a flood of warnings. What was delivered
 * but is read again after a restart is recognised in the delivery log and skipped; what Slack
 * refuses for good goes to the consumer runner's dead-letter path.
 */
export class SlackDelivery {
  private running = false;
  private loop: Promise<void> | null = null;
  private deadLetters: DeadLetterSink | null = null;

  constructor(private readonly deps: SlackDeliveryDeps) {}

  /** Starts sending; refused notifications are dead-lettered through the consumer that read them. */
  start(deadLetters: DeadLetterSink): void {
    if (this.running) return;
    this.deadLetters = deadLetters;
    this.running = true;
    this.deps.waits.resume();
    this.loop = this.run();
  }

  /** Stops sending; a request in flight finishes (bounded by the Slack timeout) and is recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.deps.waits.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { fence, outbox, waits, logger } = this.deps;
    while (this.running) {
      try {
        await fence.passed();
      } catch (error) {
        logger.warn({ err: error }, 'delivery log not caught up; retrying before sending to Slack');
        fence.retry();
        continue;
      }
      const due = outbox.nextDue(Date.now());
      if (due === null) {
        await waits.sleep(outbox.untilNextDue(Date.now()), { onRecord: true });
        continue;
      }
      try {
        await this.deliver(due);
      } catch (error) {
        logger.error({ err: error, group: due }, 'Slack delivery failed unexpectedly; will retry');
        await waits.sleep(backoffDelay(1, this.deps.backoff));
      }
    }
  }

  /**
   * Settles what of the group needs no message (duplicates, expired, silenced) and sends one
   * message of the rest, most severe first; what does not fit goes back to the group, so the
   * next choice of group sees anything more severe that arrived meanwhile.
   */
  private async deliver(group: string): Promise<void> {
    const { outbox } = this.deps;
    const entries = outbox.take(group);
    try {
      await this.deliverTaken(group, entries, outbox.generation);
    } catch (error) {
      // Not an answer of Slack's (those settle): what is unsettled is tried again after the
      // backoff, instead of holding the commit until a rebalance or restart.
      outbox.restore(group, entries);
      throw error;
    }
  }

  private async deliverTaken(group: string, entries: OutboxEntry[], generation: number): Promise<void> {
    const { outbox, metrics, recorder } = this.deps;
    const { skipped, silenced, sendable } = triage(entries, {
      deliveries: this.deps.deliveries,
      silences: this.deps.silences,
      expiredBefore: Date.now() - this.deps.retentionMs,
    });
    for (const { entry, outcome } of skipped) {
      metrics.notifications.inc({ rule: entry.alert.rule, channel: 'slack', outcome });
      outbox.settle(entry);
    }
    const chunk = sendable.slice(0, MAX_ALERTS_PER_MESSAGE);
    outbox.putBack(group, sendable.slice(MAX_ALERTS_PER_MESSAGE));

    for (const entry of silenced) {
      metrics.notifications.inc({ rule: entry.alert.rule, channel: 'slack', outcome: 'silenced' });
    }
    await recorder.record(
      silenced.map((entry) => entry.alert),
      'silenced',
    );
    silenced.forEach((entry) => outbox.settle(entry));

    if (chunk.length === 0) return;
    const current = (): boolean => this.running && generation === outbox.generation;
    const outcome = await this.deps.sender.send(group, chunk, current);
    if (outcome?.kind === 'ok') await this.delivered(chunk);
    else if (outcome?.kind === 'permanent') await this.refused(chunk, outcome.reason);
  }

  private async delivered(chunk: OutboxEntry[]): Promise<void> {
    const { metrics, logger } = this.deps;
    const now = Date.now();
    for (const { alert } of chunk) {
      metrics.notifications.inc({ rule: alert.rule, channel: 'slack', outcome: 'delivered' });
      if (alert.triggerEventTime !== null) {
        metrics.notificationLatency.observe(
          { channel: 'slack', state: alert.state },
          Math.max(0, now - Date.parse(alert.triggerEventTime)) / 1000,
        );
      }
    }
    metrics.slackMessages.inc({ result: 'delivered' });
    logger.info(
      {
        alerts: chunk.map(({ alert }) => ({
          fingerprint: alert.fingerprint,
          rule: alert.rule,
          state: alert.state,
        })),
      },
      'delivered to Slack',
    );
    await this.deps.recorder.record(
      chunk.map((entry) => entry.alert),
      'delivered',
    );
    chunk.forEach((entry) => this.deps.outbox.settle(entry));
  }

  /**
   * Hands the records to the consumer runner's dead-letter path. They are not written to the
   * delivery log: only what Slack accepted (or a silence muted) counts as handled, so
   * `pulse dlq redrive` of these records — once the cause is fixed — delivers them.
   */
  private async refused(chunk: OutboxEntry[], reason: string): Promise<void> {
    const { metrics, logger } = this.deps;
    const deadLetters = this.deadLetters;
    if (!deadLetters) throw new Error('Slack delivery runs only after start()');
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
          policy: this.deps.backoff,
          stopped: () => !this.running,
          sleep: (ms) => this.deps.waits.sleep(ms),
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
    chunk.forEach((entry) => this.deps.outbox.settle(entry));
  }
}
