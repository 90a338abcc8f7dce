/**
 * A message that can never succeed (bad bytes, contract violation, a permanent 4xx downstream).
 * The consumer sends it to the dead-letter topic at once, without retries.
 */
export class PoisonMessageError extends Error {
  constructor(
    message: string,
    readonly errorClass = 'PoisonMessage',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/**
 * A failure of infrastructure, not of the message (a downstream outage, a 429, a timeout).
 * The consumer retries it with backoff for as long as it runs, never dead-letters it,
 * and commits nothing past it — an outage delays work and loses none.
 */
export class TransientError extends Error {
  constructor(
    message: string,
    /** How long the caller was told to wait (e.g. Retry-After), if it knows. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** An error class, as the classifier is told about it (abstract classes included). */
export type ErrorType = abstract new (...args: never[]) => Error;

/** What the consumer runner does with an error a handler threw. */
export type FailureKind =
  /** Dead-lettered at once: the message can never succeed. */
  | 'poison'
  /** Retried with backoff for as long as the consumer runs, never dead-lettered. */
  | 'transient'
  /** Retried up to the runner's maxAttempts, then dead-lettered. */
  | 'retryable';

/**
 * The one decision of what a handler's error means, made by the consumer runner and configured
 * once per service (KafkaModule's `poisonErrors`): handlers throw what they found, e.g. a
 * ContractViolation from decoding, and never translate it. `PoisonMessageError` is always
 * poison and `TransientError` always transient; any other class registered as poison is
 * dead-lettered at once under its own name (the error class of the dead-letter record).
 */
export class ErrorClassifier {
  private readonly poison: readonly ErrorType[];

  constructor(options: { poison?: readonly ErrorType[] } = {}) {
    this.poison = options.poison ?? [];
  }

  classify(error: unknown): FailureKind {
    if (error instanceof TransientError) return 'transient';
    if (error instanceof PoisonMessageError) return 'poison';
    if (this.poison.some((type) => error instanceof type)) return 'poison';
    return 'retryable';
  }
}

/** Kafka aborted a transaction before it committed: nothing of it was written. `message` says why. */
export class TransactionAbortedError extends Error {
  constructor(
    readonly transactionalId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransactionAbortedError';
  }
}

/**
 * Another writer claimed the same transactional id while this transaction was open: Kafka
 * fenced this one off, and nothing of it was written.
 */
export class TransactionFencedError extends TransactionAbortedError {
  constructor(transactionalId: string, options?: { cause?: unknown }) {
    super(
      transactionalId,
      `another writer took over transactional id ${transactionalId}; nothing of this transaction was written`,
      options,
    );
    this.name = 'TransactionFencedError';
  }
}

/**
 * A commit got no clear answer, and the log did not tell within the wait whether Kafka committed
 * the transaction or aborted it: its records may or may not have been written.
 */
export class TransactionOutcomeUnknownError extends Error {
  constructor(
    readonly transactionalId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the commit of transactional id ${transactionalId} got no clear answer and the log did not show ` +
        'whether it was written',
      options,
    );
    this.name = 'TransactionOutcomeUnknownError';
  }
}

/**
 * Kafka's answer to a producer whose transactional id a newer producer claimed, in the request
 * versions kafkajs speaks (newer versions call it PRODUCER_FENCED).
 */
const FENCED_PRODUCER_ERROR = 'INVALID_PRODUCER_EPOCH';

/** Whether a kafkajs error, or one it wraps, says that the producer was fenced. */
export function isProducerFenced(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { type?: unknown }).type === FENCED_PRODUCER_ERROR) return true;
  }
  return false;
}

export function errorClassOf(error: unknown): string {
  if (error instanceof PoisonMessageError) return error.errorClass;
  if (error instanceof Error) return error.name || error.constructor.name;
  return typeof error;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
