import type { EncodedEvent } from '../events/prepare-event';

/**
 * Writes accepted events to `events.raw` and resolves only once Kafka acknowledged all of them.
 * An abstract class so Nest can inject it and tests can replace it.
 */
export abstract class RawEventPublisher {
  /** Rejects with PublishUnavailableError when the events were not (or not surely) written. */
  abstract publish(events: readonly EncodedEvent[]): Promise<void>;
}

/** Kafka could not take the events now; the client should retry after `retryAfterSeconds`. */
export class PublishUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishUnavailableError';
  }
}
