import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A message as handlers see it: bytes as Buffers, headers decoded to strings. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Kafka record timestamp (ms since epoch): the event time on topics Pulse writes. */
  readonly timestamp: number;
}

/** A record to produce. `value: null` is a tombstone on a compacted topic. */
export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  /** Record timestamp in ms; Pulse sets it to the event time so offsets can be found by time. */
  timestamp?: number;
}

export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  // for…in rather than Object.entries: this runs for every message, and the entries were an array
  // per header. kafkajs builds headers as plain own-property objects.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

export function toConsumedMessage(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: decodeHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}
