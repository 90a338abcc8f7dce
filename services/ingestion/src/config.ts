import {
  atLeastVariable,
  env,
  hashedCredentialsVar,
  kafkaSchema,
  serviceSchema,
  type ConfigOf,
} from '@pulse/config';
import { kafkaProducerSchema } from '@pulse/kafka';

const authDisabled = env.bool(
  'accept requests without an API key (local experiments only; never in production)',
  false,
);
const batchMaxEvents = env.int('most events accepted in one batch request (more → 413)', {
  default: 1000,
  min: 1,
  max: 100_000,
});

/** The API keys, as `name:sha256hex` lines, normally mounted as a secret file named by PULSE_API_KEYS_FILE. */
const apiKeys = hashedCredentialsVar(
  'API keys as "name:sha256hex" lines; give the file as PULSE_API_KEYS_FILE',
  {
    noun: 'key',
    disabledBy: 'PULSE_AUTH_DISABLED',
  },
);

const rateLimitBurst = atLeastVariable(
  env.int(
    'cost one API key may spend at once (per window of BURST / PER_SECOND seconds; an event costs 1, an order 1 per line), per replica; at least PULSE_BATCH_MAX_EVENTS; below 500 the largest orders are refused (413)',
    { default: 4000, min: 1 },
  ),
  { name: 'PULSE_BATCH_MAX_EVENTS', variable: batchMaxEvents, why: 'or a full batch could never pass' },
);

export const schema = {
  ...serviceSchema(3001),
  ...kafkaSchema,
  ...kafkaProducerSchema,
  PULSE_API_KEYS: apiKeys,
  PULSE_AUTH_DISABLED: authDisabled,
  PULSE_BATCH_MAX_EVENTS: batchMaxEvents,
  PULSE_BATCH_MAX_BYTES: env.int('largest request body in bytes (larger → 413)', {
    default: 1_048_576,
    min: 1024,
    max: 64 * 1_048_576,
  }),
  PULSE_RATE_LIMIT_PER_SECOND: env.int(
    'cost one API key may spend per second on average, per replica (more → 429): an event costs 1, an order 1 per line',
    { default: 2000, min: 1 },
  ),
  PULSE_RATE_LIMIT_BURST: rateLimitBurst,
  PULSE_CORS_ORIGINS: env.list('origins allowed to call the API from a browser; empty = CORS off', []),
  PULSE_PUBLISH_TIMEOUT: env.duration(
    'how long a request waits for Kafka to acknowledge its events (then 503)',
    '10s',
  ),
  PULSE_PUBLISH_MAX_QUEUED_EVENTS: env.int('events waiting for Kafka at most; beyond that requests get 503', {
    default: 20_000,
    min: 1,
  }),
  PULSE_EVENT_MAX_BYTES: env.int(
    'largest event as JSON in bytes (larger → rejected); below Kafka message.max.bytes',
    {
      default: 262_144,
      min: 1024,
      max: 1_000_000,
    },
  ),
  PULSE_EVENT_MAX_FUTURE: env.duration(
    'how far ahead of the clock an event time may be (further → 400); such an event counts in its own window but never moves the watermark, and holds the commit point back until its window closes (Kafka refuses record timestamps over 1h ahead)',
    '5m',
  ),
} as const;

export type IngestionConfig = ConfigOf<typeof schema>;
