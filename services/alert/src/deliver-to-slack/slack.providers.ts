import type { Provider } from '@nestjs/common';
import { LOGGER, type Logger } from '@pulse/observability';
import type { BackoffPolicy } from '@pulse/retry';
import { ALERT_CONFIG } from '../alert-config.token';
import type { AlertConfig } from '../config';
import { SilenceStore } from '../manage-silences/silence-store';
import { AlertMetrics } from '../metrics/alert-metrics';
import { RuleBook } from '../rules/rule-book';
import { DeliveryLog } from '../state/delivery-log';
import { DeliveryRecorder } from './delivery-recorder';
import { DeliveryWaits } from './delivery-waits';
import { HandoverFence } from './handover-fence';
import { SlackDelivery } from './slack-delivery';
import { SlackOutbox } from './slack-outbox';
import { SlackPacer } from './slack-pacer';
import { SlackSender } from './slack-sender';
import { SlackWebhook } from './slack-webhook';

/** Extra time a new owner waits beyond the Slack timeout before sending for a partition it received. */
export const HANDOVER_MARGIN_MS = 2_000;

/** Backoff of every retry of the Slack delivery (requests, delivery log, dead letters). */
const SLACK_BACKOFF = Symbol('pulse.alert.slack-backoff');

/**
 * Delivery to Slack: the outbox (the Slack consumer's handler) and the loop that empties it.
 * None when PULSE_SLACK_WEBHOOK_URL is not set.
 */
export function slackProviders(config: AlertConfig): Provider[] {
  const url = config.PULSE_SLACK_WEBHOOK_URL;
  if (!url) return [];
  return [
    {
      provide: SlackWebhook,
      inject: [ALERT_CONFIG],
      useFactory: (c: AlertConfig) => new SlackWebhook(url, c.PULSE_SLACK_TIMEOUT),
    },
    {
      provide: SLACK_BACKOFF,
      inject: [ALERT_CONFIG],
      useFactory: (c: AlertConfig): BackoffPolicy => ({
        initialMs: 1_000,
        maxMs: c.PULSE_SLACK_MAX_BACKOFF,
        factor: 2,
      }),
    },
    { provide: DeliveryWaits, useFactory: () => new DeliveryWaits() },
    {
      provide: HandoverFence,
      inject: [ALERT_CONFIG, DeliveryLog, DeliveryWaits],
      useFactory: (c: AlertConfig, deliveries: DeliveryLog, waits: DeliveryWaits) =>
        new HandoverFence(deliveries, waits, {
          handoverGraceMs: c.PULSE_SLACK_TIMEOUT + HANDOVER_MARGIN_MS,
          fenceTimeoutMs: c.PULSE_ALERT_STATE_LOAD_TIMEOUT,
        }),
    },
    {
      provide: SlackOutbox,
      inject: [ALERT_CONFIG, RuleBook, HandoverFence, DeliveryWaits],
      useFactory: (c: AlertConfig, rules: RuleBook, fence: HandoverFence, waits: DeliveryWaits) =>
        new SlackOutbox(rules, fence, waits, c.PULSE_ALERT_GROUP_WAIT),
    },
    {
      provide: SlackPacer,
      inject: [ALERT_CONFIG, DeliveryWaits],
      useFactory: (c: AlertConfig, waits: DeliveryWaits) => new SlackPacer(waits, c.PULSE_SLACK_MIN_INTERVAL),
    },
    {
      provide: SlackSender,
      inject: [SlackWebhook, SlackPacer, DeliveryWaits, SLACK_BACKOFF, AlertMetrics, LOGGER],
      useFactory: (
        webhook: SlackWebhook,
        pacer: SlackPacer,
        waits: DeliveryWaits,
        backoff: BackoffPolicy,
        metrics: AlertMetrics,
        logger: Logger,
      ) => new SlackSender(webhook, pacer, waits, backoff, metrics, logger.child({ component: 'slack' })),
    },
    {
      provide: DeliveryRecorder,
      inject: [DeliveryLog, DeliveryWaits, SLACK_BACKOFF, LOGGER],
      useFactory: (deliveries: DeliveryLog, waits: DeliveryWaits, backoff: BackoffPolicy, logger: Logger) =>
        new DeliveryRecorder(deliveries, waits, backoff, logger.child({ component: 'slack' })),
    },
    {
      provide: SlackDelivery,
      inject: [
        ALERT_CONFIG,
        SlackOutbox,
        HandoverFence,
        DeliveryWaits,
        SlackSender,
        DeliveryRecorder,
        DeliveryLog,
        SilenceStore,
        AlertMetrics,
        SLACK_BACKOFF,
        LOGGER,
      ],
      useFactory: (
        c: AlertConfig,
        outbox: SlackOutbox,
        fence: HandoverFence,
        waits: DeliveryWaits,
        sender: SlackSender,
        recorder: DeliveryRecorder,
        deliveries: DeliveryLog,
        silences: SilenceStore,
        metrics: AlertMetrics,
        backoff: BackoffPolicy,
        logger: Logger,
      ) =>
        new SlackDelivery({
          outbox,
          fence,
          waits,
          sender,
          recorder,
          deliveries,
          silences,
          metrics,
          backoff,
          logger: logger.child({ component: 'slack' }),
          retentionMs: c.PULSE_ALERT_RESOLVED_RETENTION,
        }),
    },
  ];
}
