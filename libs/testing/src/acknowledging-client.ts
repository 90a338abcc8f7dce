import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ShopEvent } from './shop-events';

/** One answer of ingestion (or the failure to get one), for assertions on what clients saw. */
export interface IngestionAnswer {
  at: number;
  endpoint: string;
  /** null: no HTTP answer at all (connection refused or reset, timeout). */
  status: number | null;
  retryAfter: string | null;
  detail: string;
}

export interface Acknowledged {
  event: ShopEvent;
  at: number;
}

export interface AcknowledgingClientOptions {
  /** Ingestion's base URL. */
  target: string;
  apiKey: string;
  /** A request not acknowledged by then fails the caller: the outage lasted too long. */
  giveUpAfterMs: number;
  /** Stops retrying at once (test teardown): the request in hand then fails. */
  signal?: AbortSignal;
}

/** Ingestion refused events the client knows to be valid: retrying would not help. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

const singleAnswer = z.looseObject({ id: z.string() });
const batchAnswer = z.looseObject({
  accepted: z.array(z.looseObject({ index: z.number().int(), id: z.string() })),
  rejected: z.array(z.unknown()),
});

/**
 * A client as the API asks clients to behave: sends valid events and retries a request until
 * ingestion acknowledges it (202), waiting `Retry-After` seconds after a 429/503, with the same
 * event ids. It keeps every answer and every acknowledged event: the ledger the pipeline's
 * output is checked against.
 */
export class AcknowledgingClient {
  readonly answers: IngestionAnswer[] = [];
  readonly acknowledged: Acknowledged[] = [];

  constructor(private readonly options: AcknowledgingClientOptions) {}

  /** `POST /v1/events` until acknowledged. */
  async sendOne(event: ShopEvent): Promise<void> {
    await this.untilAcknowledged('/v1/events', 'application/json', JSON.stringify(event), [event], (text) => {
      const answer = singleAnswer.parse(JSON.parse(text));
      if (answer.id !== event.id) throw new RefusedError(`acknowledged ${answer.id} instead of ${event.id}`);
    });
  }

  /** `POST /v1/events/batch` (NDJSON) until acknowledged, every event accepted. */
  async sendBatch(events: readonly ShopEvent[]): Promise<void> {
    const body = `${events.map((event) => JSON.stringify(event)).join('\n')}\n`;
    await this.untilAcknowledged('/v1/events/batch', 'application/x-ndjson', body, events, (text) => {
      const answer = batchAnswer.parse(JSON.parse(text));
      const ids = answer.accepted.map((accepted) => accepted.id).join(',');
      if (answer.rejected.length > 0 || ids !== events.map((event) => event.id).join(',')) {
        throw new RefusedError(`the batch was not accepted whole: ${text.slice(0, 500)}`);
      }
    });
  }

  private async untilAcknowledged(
    endpoint: string,
    contentType: string,
    body: string,
    events: readonly ShopEvent[],
    check: (text: string) => void,
  ): Promise<void> {
    const deadline = Date.now() + this.options.giveUpAfterMs;
    for (;;) {
      this.options.signal?.throwIfAborted();
      let waitMs = 1_000;
      let text: string;
      let status: number;
      try {
        const response = await fetch(`${this.options.target}${endpoint}`, {
          method: 'POST',
          headers: { 'content-type': contentType, 'x-api-key': this.options.apiKey },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        text = await response.text();
        status = response.status;
        const retryAfter = response.headers.get('retry-after');
        this.answers.push({ at: Date.now(), endpoint, status, retryAfter, detail: text.slice(0, 300) });
        const seconds = Number(retryAfter ?? '');
        if (retryAfter !== null && Number.isFinite(seconds) && seconds > 0) waitMs = seconds * 1_000;
      } catch (error) {
        this.answers.push({
          at: Date.now(),
          endpoint,
          status: null,
          retryAfter: null,
          detail: (error as Error).message,
        });
        text = '';
        status = 0;
      }
      if (status === 202) {
        check(text);
        const at = Date.now();
        for (const event of events) this.acknowledged.push({ event, at });
        return;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        throw new RefusedError(`ingestion refused valid events: HTTP ${status}: ${text.slice(0, 500)}`);
      }
      // 429, 503, an unexpected 5xx or no answer: nothing is confirmed, so send the same again.
      if (Date.now() + waitMs > deadline) {
        const last = this.answers.at(-1);
        throw new Error(
          `${endpoint} not acknowledged within ${this.options.giveUpAfterMs} ms; last answer ` +
            `${last?.status ?? 'none'}: ${last?.detail ?? ''}`,
        );
      }
      await sleep(waitMs, undefined, { signal: this.options.signal });
    }
  }
}

/**
 * Sends `next()`'s events in a loop — a batch or a single event every `intervalMs` — until
 * `signal` aborts, each request retried until acknowledged (so, during an outage, the loop
 * waits as a real client would).
 */
export async function sendUntilStopped(
  client: AcknowledgingClient,
  next: () => ShopEvent,
  { batchSize, intervalMs, signal }: { batchSize: number; intervalMs: number; signal: AbortSignal },
): Promise<void> {
  while (!signal.aborted) {
    if (batchSize === 1) await client.sendOne(next());
    else await client.sendBatch(Array.from({ length: batchSize }, () => next()));
    await sleep(intervalMs);
  }
}
