import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { KafkaRuntime } from '@pulse/kafka';
import { HealthRegistry, LOGGER, type Logger } from '@pulse/observability';
import { ALERT_CONFIG } from './alert-config.token';
import type { AlertConfig } from './config';
import { NatsConnector } from './deliver-to-nats/nats-connection';
import { NatsNotifier } from './deliver-to-nats/nats-notifier';
import { SlackDelivery } from './deliver-to-slack/slack-delivery';
import { SlackOutbox } from './deliver-to-slack/slack-outbox';
import { Evaluator } from './evaluation/evaluator';
import { SilenceStore } from './manage-silences/silence-store';
import { RuleBook } from './rules/rule-book';
import { AlertStateStore } from './state/alert-state-store';
import { DeliveryLog } from './state/delivery-log';
import { RetentionSweep } from './state/retention-sweep';

/** How often resolved alerts and delivery records past the retention are looked for. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Owns the alert service's consumers and their lifecycle. Starts in order — rules, the tables
 * every instance reads (alerts, silences, deliveries), a sweep of what they hold past the
 * retention, then the three consumers (evaluator, Slack, NATS) and the timers — and stops them
 * in reverse, before the Kafka runtime disconnects.
 */
@Injectable()
export class AlertWorker
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private tickTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly kafka: KafkaRuntime,
    private readonly health: HealthRegistry,
    private readonly rules: RuleBook,
    private readonly alerts: AlertStateStore,
    private readonly silences: SilenceStore,
    private readonly deliveries: DeliveryLog,
    private readonly retention: RetentionSweep,
    private readonly nats: NatsConnector,
    private readonly evaluator: Evaluator,
    @Optional() private readonly slackOutbox?: SlackOutbox,
    @Optional() private readonly slackDelivery?: SlackDelivery,
    @Optional() private readonly natsNotifier?: NatsNotifier,
  ) {}

  /** A missing or invalid rules file stops the start-up: there are no previous rules to keep. */
  async onModuleInit(): Promise<void> {
    await this.rules.load();
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this;
    const timeout = config.PULSE_ALERT_STATE_LOAD_TIMEOUT;
    this.registerHealth();
    await Promise.all([
      this.alerts.start(timeout),
      this.silences.start(timeout),
      this.deliveries.start(timeout),
    ]);
    // What the start-up read beyond the retention goes before anything is decided or sent.
    await this.retention.sweep();
    await Promise.all(this.startConsumers());

    this.rules.startWatching(config.PULSE_ALERT_RULES_RELOAD_INTERVAL);
    this.tickTimer = setInterval(() => void this.evaluator.tick(), config.PULSE_ALERT_EVALUATION_INTERVAL);
    this.tickTimer.unref();
    this.sweepTimer = setInterval(() => void this.retention.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Stop deciding and sending first; the Kafka runtime then drains the consumers. */
  async onModuleDestroy(): Promise<void> {
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.rules.stopWatching();
    await this.slackDelivery?.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.alerts.stop(),
      this.silences.stop(),
      this.deliveries.stop(),
      this.nats.close(this.config.PULSE_NATS_TIMEOUT),
    ]);
  }

  /** The evaluator, Slack and NATS consumers, each in its own group; resolves once all run. */
  private startConsumers(): Promise<void>[] {
    const group = this.config.PULSE_CONSUMER_GROUP;
    const common = {
      fromBeginning: this.config.PULSE_CONSUMER_START === 'earliest',
      sessionTimeoutMs: this.config.PULSE_CONSUMER_SESSION_TIMEOUT,
      maxBytesPerPartition: this.config.PULSE_CONSUMER_FETCH_MAX_BYTES,
    };
    const alertsTopic = [this.kafka.topics.alerts];
    const starting = [
      this.kafka
        .createConsumer(
          this.evaluator,
          { groupId: group, topics: this.evaluator.topicsConsumed, ...common },
          this.evaluator.hooks(),
        )
        .start(),
    ];

    if (this.slackOutbox && this.slackDelivery) {
      const runner = this.kafka.createConsumer(
        this.slackOutbox,
        { groupId: `${group}-notifier`, topics: alertsTopic, ...common },
        this.slackOutbox.hooks(),
      );
      // What Slack refuses for good leaves through this consumer's own dead-letter path.
      this.slackDelivery.start(runner);
      starting.push(runner.start());
    } else {
      this.logger.warn('PULSE_SLACK_WEBHOOK_URL is not set: alerts are not sent to Slack');
    }

    if (this.natsNotifier) {
      this.nats.open();
      starting.push(
        this.kafka
          .createConsumer(this.natsNotifier, { groupId: `${group}-nats`, topics: alertsTopic, ...common })
          .start(),
      );
    } else {
      this.logger.warn('PULSE_NATS_URL is "none": alerts are not published on NATS');
    }
    return starting;
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
        detail: { enabled: this.slackOutbox !== undefined, waiting: this.slackOutbox?.pending() ?? 0 },
      }),
    });
  }
}
