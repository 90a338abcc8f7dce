import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Channel = 'slack' | 'nats';
/** What became of one alert record on one channel. */
export type NotificationOutcome = 'delivered' | 'failed' | 'silenced' | 'duplicate' | 'expired';

/**
 * The alert service's own metrics. Labels are rule names (bounded by the rules file), channels,
 * states and outcomes — never fingerprints, customers or products.
 */
export class AlertMetrics {
  readonly transitions: Counter<'rule' | 'state'>;
  readonly notifications: Counter<'rule' | 'channel' | 'outcome'>;
  readonly notificationLatency: Histogram<'channel' | 'state'>;
  readonly deliveryAttempts: Counter<'channel' | 'result'>;
  readonly slackMessages: Counter<'result'>;
  readonly rulesReloads: Counter<'outcome'>;
  readonly rulesLoaded: Gauge;
  readonly rulesLastReloadOk: Gauge;
  readonly evaluations: Counter<'source'>;
  readonly replayedRecords: Counter<'topic'>;
  readonly capped: Counter<'rule'>;
  readonly stateRemoved: Counter<'table'>;
  readonly silencesSkipped: Counter;
  readonly silencesRemoved: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.transitions = new Counter({
      name: 'pulse_alert_transitions_total',
      help: 'Alert state changes written to the alerts topic (state: firing, resolved, repeat)',
      labelNames: ['rule', 'state'],
      registers,
    });
    this.notifications = new Counter({
      name: 'pulse_alert_notifications_total',
      help: 'Alert records handled by a notifier channel, by outcome (delivered, failed, silenced, duplicate, expired)',
      labelNames: ['rule', 'channel', 'outcome'],
      registers,
    });
    this.notificationLatency = new Histogram({
      name: 'pulse_alert_notification_latency_seconds',
      help: 'From the event time of the event that triggered an alert change to its delivery (Slack 2xx, NATS flush)',
      labelNames: ['channel', 'state'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 900],
      registers,
    });
    this.deliveryAttempts = new Counter({
      name: 'pulse_alert_delivery_attempts_total',
      help: 'Delivery attempts per channel (result: ok, rate_limited, transient, permanent)',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.slackMessages = new Counter({
      name: 'pulse_alert_slack_messages_total',
      help: 'Slack messages (each may group several alerts) by result (delivered, dead_lettered)',
      labelNames: ['result'],
      registers,
    });
    this.rulesReloads = new Counter({
      name: 'pulse_alert_rules_reloads_total',
      help: 'Rules file loads by outcome (loaded, invalid, unreadable)',
      labelNames: ['outcome'],
      registers,
    });
    this.rulesLoaded = new Gauge({
      name: 'pulse_alert_rules_active',
      help: 'Rules in effect',
      registers,
    });
    this.rulesLastReloadOk = new Gauge({
      name: 'pulse_alert_rules_last_reload_ok',
      help: '1 if the last change of the rules file was applied, 0 if it was rejected (the previous rules stay)',
      registers,
    });
    this.evaluations = new Counter({
      name: 'pulse_alert_evaluations_total',
      help: 'Rule evaluations by source (event, window, tick)',
      labelNames: ['source'],
      registers,
    });
    this.replayedRecords = new Counter({
      name: 'pulse_alert_replayed_records_total',
      help: 'Records re-read after a restart or rebalance to rebuild evaluation state (no alerts emitted for them)',
      labelNames: ['topic'],
      registers,
    });
    this.capped = new Counter({
      name: 'pulse_alert_capped_total',
      help: 'Alerts not raised because their rule already had PULSE_ALERT_MAX_FIRING_PER_RULE alerts firing (each such decision counts)',
      labelNames: ['rule'],
      registers,
    });
    this.stateRemoved = new Counter({
      name: 'pulse_alert_state_removed_total',
      help: 'Entries forgotten after PULSE_ALERT_RESOLVED_RETENTION (table: alerts = resolved alerts dropped from memory, deliveries = delivery records tombstoned)',
      labelNames: ['table'],
      registers,
    });
    this.silencesSkipped = new Counter({
      name: 'pulse_alert_silences_skipped_total',
      help: 'Silences read from the silences topic that fail validation (e.g. a regex RE2 cannot compile): they match nothing',
      registers,
    });
    this.silencesRemoved = new Counter({
      name: 'pulse_alert_silences_removed_total',
      help: 'Silences deleted (memory and a tombstone to the topic) once expired longer than PULSE_ALERT_SILENCE_RETENTION',
      registers,
    });
  }
}
