import { env } from '@pulse/config';
import { COMPRESSIONS, DEFAULT_COMPRESSION } from './compression';

/** Settings of a service that produces in volume (ingestion, enrichment, aggregation). */
export const kafkaProducerSchema = {
  PULSE_KAFKA_COMPRESSION: env.oneOf(
    'record compression of the Kafka producer: none (least CPU), zstd (about the size of gzip at a fraction of its CPU) or gzip (for clients without zstd); consumers read all three',
    COMPRESSIONS,
    DEFAULT_COMPRESSION,
  ),
} as const;

/** Settings of a service that consumes in a consumer group (enrichment, aggregation, alert). */
export const kafkaConsumerSchema = {
  PULSE_CONSUMER_SESSION_TIMEOUT: env.duration(
    'Kafka consumer session timeout: how soon the group notices a dead instance and hands its partitions over (broker minimum 6s; lower means faster recovery after a crash but more spurious rebalances when a process stalls)',
    '30s',
  ),
  PULSE_CONSUMER_FETCH_MAX_BYTES: env.int(
    'bytes fetched per partition at most in one request: bounds the records, and the objects decoded from them, that a consumer holds at once',
    { default: 1_048_576, min: 16_384, max: 16_777_216 },
  ),
} as const;

/**
 * For consumers whose replays are absorbed downstream (enrichment: aggregation counts an event id
 * once; aggregation: its state is rebuilt from the committed position by design). The alert
 * service keeps committing every batch: its replay fence reads the committed position.
 */
export const kafkaCommitIntervalSchema = {
  PULSE_CONSUMER_COMMIT_INTERVAL: env.duration(
    "how often a consumer commits each partition's position at most (0s: after every fetched batch); commits are writes on the broker, and after a crash or rebalance up to this much is read again, which Pulse absorbs (duplicates are counted once)",
    '1s',
  ),
} as const;

/**
 * Heartbeats a few times per session timeout (Kafka's guidance is at most a third of it), so
 * one late heartbeat never costs the membership.
 */
export function heartbeatIntervalFor(sessionTimeoutMs: number): number {
  return Math.max(500, Math.min(3_000, Math.floor(sessionTimeoutMs / 5)));
}
