import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { KafkaRuntime, type ConsumerRunner } from '@pulse/kafka';
import { HealthRegistry, LOGGER, type Logger } from '@pulse/observability';
import type { AlertConfig } from './config';
import { committedOffsetReader } from './evaluation/committed-offsets';
import { Evaluator } from './evaluation/evaluator';
import { linksFor } from './lifecycle/links';
import { AlertMetrics } from './metrics/alert-metrics';
import { DeliveryLog } from './notifier/delivery-log';
import { NatsConnector } from './notifier/nats/nats-connection';
import { NatsNotifier } from './notifier/nats/nats-notifier';
import { SlackNotifier } from './notifier/slack/slack-notifier';
import { SlackWebhook } from './notifier/slack/slack-webhook';
import { RuleBook } from './rules/rule-book';
import { SilenceStore } from './silences/silence-store';
import { AlertStateStore } from './state/alert-state-store';

export const ALERT_CONFIG = Symbol('pulse.alert-config');

/** Extra time a new owner waits beyond the Slack timeout before sending for a partition it received. */
const HANDOVER_MARGIN_MS = 2_000;

/** How often resolved alerts and delivery records past the retention are looked for. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Starts the alert service's moving parts in order — rules, the tables every instance reads
 * (alerts, silences, deliveries), then the three consumers (evaluator, Slack, NATS) and the
 * timers — and stops them in reverse, before the Kafka runtime disconnects.
 */
@Injectable()
export class AlertRuntime
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private evaluator: Evaluator | null = null;
  private slack: SlackNotifier | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly kafka: KafkaRuntime,
    private readonly health: HealthRegistry,
    private readonly metrics: AlertMetrics,
    private readonly rules: RuleBook,
    private readonly alerts: AlertStateStore,
    private readonly silences: SilenceStore,
    private readonly deliveries: DeliveryLog,
    private readonly nats: NatsConnector,
  ) {}

  /** A missing or invalid rules file stops the start-up: there are no previous rules to keep. */
  async onModuleInit(): Promise<void> {
    await this.rules.load();
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this;
    const timeout = config.PULSE_ALERT_STATE_LOAD_TIMEOUT;
    const sessionTimeoutMs = config.PULSE_CONSUMER_SESSION_TIMEOUT;
    this.registerHealth();
    await Promise.all([
      this.alerts.start(timeout),
      this.silences.start(timeout),
      this.deliveries.start(timeout),
    ]);
    // What the start-up read beyond the retention goes before anything is decided or sent.
    await this.sweep();
    const fromBeginning = config.PULSE_CONSUMER_START === 'earliest';
    const group = config.PULSE_CONSUMER_GROUP;

    this.evaluator = new Evaluator({
      topics: this.kafka.topics,
      rules: this.rules,
      store: this.alerts,
      producer: this.kafka.producer,
      committed: committedOffsetReader(this.kafka.kafka, group),
      logger: this.logger.child({ component: 'evaluator' }),
      metrics: this.metrics,
      settings: {
        defaultRepeatIntervalMs: config.PULSE_ALERT_REPEAT_INTERVAL,
        fenceTimeoutMs: timeout,
        evaluationIntervalMs: config.PULSE_ALERT_EVALUATION_INTERVAL,
        maxFiringPerRule: config.PULSE_ALERT_MAX_FIRING_PER_RULE,
        links: (subject) =>
          linksFor(
            {
              grafanaUrl: config.PULSE_GRAFANA_URL,
              dashboardPath: config.PULSE_GRAFANA_DASHBOARD_PATH,
              reportingUrl: config.PULSE_REPORTING_URL,
            },
            subject,
          ),
      },
    });
    const starting = [
      this.kafka
        .createConsumer(
          this.evaluator,
          { groupId: group, topics: this.evaluator.topicsConsumed, fromBeginning, sessionTimeoutMs },
          this.evaluator.hooks(),
        )
        .start(),
    ];

    if (config.PULSE_SLACK_WEBHOOK_URL) {
      // The notifier dead-letters through its own consumer runner, which needs the notifier first.
      let slackRunner: ConsumerRunner | null = null;
      this.slack = new SlackNotifier({
        webhook: new SlackWebhook(config.PULSE_SLACK_WEBHOOK_URL, config.PULSE_SLACK_TIMEOUT),
        deliveries: this.deliveries,
        silences: this.silences,
        rules: this.rules,
        deadLetters: {
          deadLetter: async (messages, error, attempts) => {
            if (!slackRunner) throw new Error('the Slack consumer is not created yet');
            await slackRunner.deadLetter(messages, error, attempts);
          },
        },
        logger: this.logger.child({ component: 'slack' }),
        metrics: this.metrics,
        settings: {
          groupWaitMs: config.PULSE_ALERT_GROUP_WAIT,
          minIntervalMs: config.PULSE_SLACK_MIN_INTERVAL,
          maxBackoffMs: config.PULSE_SLACK_MAX_BACKOFF,
          handoverGraceMs: config.PULSE_SLACK_TIMEOUT + HANDOVER_MARGIN_MS,
          fenceTimeoutMs: timeout,
          retentionMs: config.PULSE_ALERT_RESOLVED_RETENTION,
        },
      });
      slackRunner = this.kafka.createConsumer(
        this.slack,
        {
          groupId: `${group}-notifier`,
          topics: [this.kafka.topics.alerts],
          fromBeginning,
          sessionTimeoutMs,
        },
        this.slack.hooks(),
      );
      this.slack.start();
      starting.push(slackRunner.start());
    } else {
      this.logger.warn('PULSE_SLACK_WEBHOOK_URL is not set: alerts are not sent to Slack');
    }

    if (this.natsServers().length > 0) {
      this.nats.open();
      const notifier = new NatsNotifier(this.nats, this.silences, this.metrics, config.PULSE_NATS_TIMEOUT);
      starting.push(
        this.kafka
          .createConsumer(notifier, {
            groupId: `${group}-nats`,
            topics: [this.kafka.topics.alerts],
            fromBeginning,
            sessionTimeoutMs,
          })
          .start(),
      );
    } else {
      this.logger.warn('PULSE_NATS_URL is "none": alerts are not published on NATS');
    }
    await Promise.all(starting);

    this.rules.startWatching(config.PULSE_ALERT_RULES_RELOAD_INTERVAL);
    this.tickTimer = setInterval(() => void this.evaluator?.tick(), config.PULSE_ALERT_EVALUATION_INTERVAL);
    this.tickTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /**
   * Bounded state: delivery records older than the retention are tombstoned first, then resolved
   * alerts past it are forgotten — only those the delivery log no longer holds, so an alert that
   * fires again (starting over at sequence 0) is never taken for one already delivered.
   */
  private async sweep(): Promise<void> {
    try {
      const deliveries = await this.deliveries.sweep();
      const alerts = this.alerts.sweep((fingerprint) => this.deliveries.holds(fingerprint));
      if (deliveries > 0) this.metrics.stateRemoved.inc({ table: 'deliveries' }, deliveries);
      if (alerts > 0) this.metrics.stateRemoved.inc({ table: 'alerts' }, alerts);
      if (deliveries + alerts > 0) {
        this.logger.info({ deliveries, alerts }, 'forgot alerts and delivery records past the retention');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'sweep of old alert state failed; retrying at the next one');
    }
  }

  /** Stop deciding and sending first; the Kafka runtime then drains the consumers. */
  async onModuleDestroy(): Promise<void> {
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.rules.stopWatching();
    await this.slack?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.alerts.stop(),
      this.silences.stop(),
      this.deliveries.stop(),
      this.nats.close(this.config.PULSE_NATS_TIMEOUT),
    ]);
  }

  private natsServers(): string[] {
    return natsServersOf(this.config.PULSE_NATS_URL);
  }

  private registerHealth(): void {
    this.health.register('alert-tables', {
      kind: 'readiness',
      check: () => ({
        ok: this.alerts.isReady() && this.silences.isReady() && this.deliveries.isReady(),
        detail: {
          alerts: this.alerts.isReady(),
          silences: this.silences.isReady(),
          deliveries: this.deliveries.isReady(),
        },
      }),
    });
    // NATS is an outbound side channel: its outage delays NATS messages but must not take the
    // instance out of service (Slack delivery and the API go on), so it only reports.
    this.health.register('nats', {
      kind: 'readiness',
      check: () => ({ ok: true, detail: { connected: this.nats.isConnected() } }),
    });
    this.health.register('slack-outbox', {
      kind: 'readiness',
      check: () => ({
        ok: true,
        detail: { enabled: this.slack !== null, waiting: this.slack?.pending() ?? 0 },
      }),
    });
  }
}

/** The NATS servers to publish to; `none` turns NATS publishing off. */
export function natsServersOf(value: string): string[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
}
