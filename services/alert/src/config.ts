import {
  ConfigError,
  env,
  hashedCredentialsVar,
  kafkaSchema,
  refinedVariable,
  serviceSchema,
  type ConfigOf,
} from '@pulse/config';
import { kafkaConsumerSchema } from '@pulse/kafka';

/**
 * Write tokens manage silences and may read too; read tokens only read (rules, active alerts,
 * silences). Without a write token the service refuses to start unless auth is disabled; the read
 * list may stay empty (then only write tokens read).
 */
const writeTokens = hashedCredentialsVar(
  'tokens that may create and expire silences (and read), as "name:sha256hex" lines; give the file as PULSE_ALERT_WRITE_TOKENS_FILE',
  { noun: 'token', disabledBy: 'PULSE_AUTH_DISABLED' },
);
const readTokens = hashedCredentialsVar(
  'tokens that may only read (rules, active alerts, silences), as "name:sha256hex" lines; give the file as PULSE_ALERT_READ_TOKENS_FILE',
  { noun: 'token', disabledBy: 'PULSE_AUTH_DISABLED', mayBeEmpty: true },
);

const HOUR_MS = 3_600_000;
const ALERTS_TOPIC_RETENTION_MS = 30 * 24 * HOUR_MS;

/**
 * At least an hour (a resolution must be delivered, and a replay after a restart recognised,
 * before its alert is forgotten); at most the 30 days the alerts topic keeps its records.
 */
const resolvedRetention = refinedVariable(
  env.duration(
    'how long a resolved alert is remembered (API, dedupe) before it is dropped from memory and its delivery records are tombstoned; records older than this are not sent to Slack',
    '7d',
  ),
  (ms, name) => {
    if (ms < HOUR_MS || ms > ALERTS_TOPIC_RETENTION_MS) {
      throw new ConfigError(name, 'must be between 1h and 30d (the alerts topic keeps 30 days)', `${ms} ms`);
    }
    return ms;
  },
);

export const schema = {
  ...serviceSchema(3004),
  ...kafkaSchema,
  ...kafkaConsumerSchema,
  PULSE_ALERT_WRITE_TOKENS: writeTokens,
  PULSE_ALERT_READ_TOKENS: readTokens,
  PULSE_AUTH_DISABLED: env.bool(
    'serve the /v1 API without a token (local experiments only; never in production)',
    false,
  ),
  PULSE_CONSUMER_GROUP: env.string(
    'consumer group of the evaluator; the Slack and NATS notifiers use "<group>-notifier" and "<group>-nats"',
    { default: 'pulse-alert' },
  ),
  PULSE_CONSUMER_START: env.oneOf(
    'where a consumer group with no committed offset starts: latest (production) or earliest (tests)',
    ['latest', 'earliest'] as const,
    'latest',
  ),
  PULSE_ALERT_RULES_FILE: env.string('YAML file with the alert rules (reloaded when it changes)', {
    default: 'deploy/local/alert-rules.yaml',
  }),
  PULSE_ALERT_RULES_RELOAD_INTERVAL: env.duration('how often the rules file is checked for changes', '5s'),
  PULSE_ALERT_EVALUATION_INTERVAL: env.duration(
    'how often time-driven checks run (repeat reminders, resolving alerts whose condition lapsed with time)',
    '10s',
  ),
  PULSE_ALERT_REPEAT_INTERVAL: env.duration(
    'default time between reminders while an alert keeps firing',
    '4h',
  ),
  PULSE_ALERT_GROUP_WAIT: env.duration(
    'how long the notifier collects alerts of one group before sending one Slack message',
    '10s',
  ),
  PULSE_ALERT_SILENCE_RETENTION: env.duration(
    'how long an expired silence stays listed before it is deleted (from memory, and from the silences topic by a tombstone)',
    '120h',
  ),
  PULSE_ALERT_RESOLVED_RETENTION: resolvedRetention,
  PULSE_ALERT_MAX_FIRING_PER_RULE: env.int(
    'most alerts of one rule firing at once; past it new ones are only counted (pulse_alert_capped_total) and one "too many alerts" notice of the rule fires',
    { default: 100, min: 1, max: 10_000 },
  ),
  PULSE_ALERT_STATE_LOAD_TIMEOUT: env.duration(
    'time allowed at start-up to read the alerts, silences and deliveries topics',
    '60s',
  ),
  PULSE_SLACK_WEBHOOK_URL: env.optionalUrl(
    'Slack incoming-webhook URL (a secret; empty = no Slack delivery)',
    {
      secret: true,
    },
  ),
  PULSE_SLACK_TIMEOUT: env.duration('timeout of one Slack webhook request', '10s'),
  PULSE_SLACK_MIN_INTERVAL: env.duration(
    'least time between two Slack messages (Slack allows about one per second per channel)',
    '1s',
  ),
  PULSE_SLACK_MAX_BACKOFF: env.duration(
    'longest wait between two attempts of a failing Slack delivery',
    '60s',
  ),
  PULSE_NATS_URL: env.string('NATS server(s), comma-separated; "none" = no NATS publishing', {
    default: 'nats://127.0.0.1:4222',
  }),
  PULSE_NATS_TIMEOUT: env.duration(
    'how long a NATS publish may wait for the server to confirm (flush)',
    '5s',
  ),
  PULSE_GRAFANA_URL: env.optionalUrl('Grafana base URL for the dashboard link in notifications'),
  PULSE_GRAFANA_DASHBOARD_PATH: env.string('path of the business dashboard under PULSE_GRAFANA_URL', {
    default: '/d/pulse-business/pulse-business',
  }),
  PULSE_REPORTING_URL: env.optionalUrl('reporting API base URL for the query link in notifications'),
} as const;

export type AlertConfig = ConfigOf<typeof schema>;
