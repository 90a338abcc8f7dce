import type { ConsumedMessage, OutgoingRecord } from './message';

/** Header names on `dead-letter` records. Original headers are kept beside them. */
export const DLQ_HEADER = {
  errorClass: 'pulse-dlq-error-class',
  errorMessage: 'pulse-dlq-error-message',
  sourceTopic: 'pulse-dlq-source-topic',
  sourcePartition: 'pulse-dlq-source-partition',
  sourceOffset: 'pulse-dlq-source-offset',
  service: 'pulse-dlq-service',
  attempts: 'pulse-dlq-attempts',
  firstFailureTime: 'pulse-dlq-first-failure-time',
  deadLetteredAt: 'pulse-dlq-dead-lettered-at',
  /** `message` (a consumed message) or `output` (see DeadLetterKind); absent means `message`. */
  kind: 'pulse-dlq-kind',
} as const;

/**
 * What a dead letter holds: a consumed message (re-drivable to its source topic) or output a
 * service made from its input and could not deliver (nothing to re-drive: fix the cause, then
 * recompute from the source).
 */
export type DeadLetterKind = 'message' | 'output';

const MAX_ERROR_MESSAGE = 2_000;

export interface DeadLetterReason {
  errorClass: string;
  errorMessage: string;
  attempts: number;
  firstFailureTime: Date;
}

/** Builds the dead-letter record: original key and bytes untouched, the reason in headers. */
export function deadLetterRecord(
  deadLetterTopic: string,
  service: string,
  message: ConsumedMessage,
  reason: DeadLetterReason,
): OutgoingRecord {
  const original = Object.fromEntries(
    Object.entries(message.headers).filter(([name]) => !name.startsWith('pulse-dlq-')),
  );
  return {
    topic: deadLetterTopic,
    key: message.key,
    value: message.value,
    timestamp: Number.isFinite(message.timestamp) ? message.timestamp : Date.now(),
    headers: {
      ...original,
      [DLQ_HEADER.kind]: 'message',
      [DLQ_HEADER.errorClass]: reason.errorClass,
      [DLQ_HEADER.errorMessage]: reason.errorMessage.slice(0, MAX_ERROR_MESSAGE),
      [DLQ_HEADER.sourceTopic]: message.topic,
      [DLQ_HEADER.sourcePartition]: String(message.partition),
      [DLQ_HEADER.sourceOffset]: message.offset,
      [DLQ_HEADER.service]: service,
      [DLQ_HEADER.attempts]: String(reason.attempts),
      [DLQ_HEADER.firstFailureTime]: reason.firstFailureTime.toISOString(),
      [DLQ_HEADER.deadLetteredAt]: new Date().toISOString(),
    },
  };
}

/** Output a service could not deliver, and where the input it was made from was read. */
export interface UndeliveredOutput {
  key: string | null;
  value: string;
  sourceTopic: string;
  sourcePartition: number;
  /** The last input offset the output covers. */
  sourceOffset: string;
}

/** The dead-letter record of output that its destination refused for good (see DeadLetterKind). */
export function undeliveredOutputRecord(
  deadLetterTopic: string,
  service: string,
  output: UndeliveredOutput,
  reason: DeadLetterReason,
): OutgoingRecord {
  const now = new Date().toISOString();
  return {
    topic: deadLetterTopic,
    key: output.key,
    value: output.value,
    headers: {
      [DLQ_HEADER.kind]: 'output',
      [DLQ_HEADER.errorClass]: reason.errorClass,
      [DLQ_HEADER.errorMessage]: reason.errorMessage.slice(0, MAX_ERROR_MESSAGE),
      [DLQ_HEADER.sourceTopic]: output.sourceTopic,
      [DLQ_HEADER.sourcePartition]: String(output.sourcePartition),
      [DLQ_HEADER.sourceOffset]: output.sourceOffset,
      [DLQ_HEADER.service]: service,
      [DLQ_HEADER.attempts]: String(reason.attempts),
      [DLQ_HEADER.firstFailureTime]: reason.firstFailureTime.toISOString(),
      [DLQ_HEADER.deadLetteredAt]: now,
    },
  };
}

export interface DeadLetterEntry {
  kind: DeadLetterKind;
  errorClass: string;
  errorMessage: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  service: string;
  attempts: number;
  firstFailureTime: string;
  /** Headers of the original message, without the dead-letter ones. */
  originalHeaders: Record<string, string>;
}

/** Reads the reason back from a dead-letter record (for `dlq inspect` and re-drive). */
export function readDeadLetter(message: ConsumedMessage): DeadLetterEntry {
  const headers = message.headers;
  const originalHeaders = Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.startsWith('pulse-dlq-')),
  );
  return {
    kind: headers[DLQ_HEADER.kind] === 'output' ? 'output' : 'message',
    errorClass: headers[DLQ_HEADER.errorClass] ?? 'unknown',
    errorMessage: headers[DLQ_HEADER.errorMessage] ?? '',
    sourceTopic: headers[DLQ_HEADER.sourceTopic] ?? '',
    sourcePartition: Number(headers[DLQ_HEADER.sourcePartition] ?? -1),
    sourceOffset: headers[DLQ_HEADER.sourceOffset] ?? '',
    service: headers[DLQ_HEADER.service] ?? '',
    attempts: Number(headers[DLQ_HEADER.attempts] ?? 0),
    firstFailureTime: headers[DLQ_HEADER.firstFailureTime] ?? '',
    originalHeaders,
  };
}
