import { retryAfterMs } from '@pulse/http';
import { retrying, type BackoffPolicy } from '@pulse/retry';
import type { Outcome } from '../ground-truth/ground-truth-builder';
import type { GeneratedItem } from '../scenarios/generated-item';
import type { BatchSink } from './paced-run';
import { interpretBatchAnswer } from './batch-answer';

export interface HttpSinkOptions {
  /** Ingestion's base URL, e.g. http://127.0.0.1:3001 */
  target: string;
  apiKey: string | undefined;
  timeoutMs?: number;
  /** Attempts per batch for 429/5xx/network errors before its events count as failed. */
  maxAttempts?: number;
}

export interface SinkStats {
  requests: number;
  failed: number;
  retried: number;
  lastError: string | undefined;
}

/** Raised for answers a retry cannot fix (wrong key, batch too large): the run should stop. */
export class FatalSendError extends Error {
  override name = 'FatalSendError';
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** 200 ms doubling up to 5 s between attempts, unless the API says how long to wait. */
const SEND_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000, factor: 2 };

/** An answer the API calls temporary (429, 503, …), with its Retry-After. */
class TemporaryAnswerError extends Error {
  override name = 'TemporaryAnswerError';
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Posts batches as NDJSON to `POST /v1/events/batch`. Retries what the API says is temporary
 * (429/503 with Retry-After, network errors) with the same event ids, so a retry is at worst a
 * duplicate that aggregation counts once. Never rejects for a failed batch: its items come
 * back as `failed`.
 */
export class HttpBatchSink implements BatchSink {
  readonly stats: SinkStats = { requests: 0, failed: 0, retried: 0, lastError: undefined };
  private readonly url: string;

  constructor(private readonly options: HttpSinkOptions) {
    this.url = `${options.target.replace(/\/$/, '')}/v1/events/batch`;
  }

  async send(batch: readonly GeneratedItem[]): Promise<readonly Outcome[]> {
    const body = `${batch.map((item) => item.line).join('\n')}\n`;
    try {
      return await retrying(() => this.post(batch, body), {
        policy: SEND_BACKOFF,
        maxAttempts: this.options.maxAttempts ?? 5,
        shouldRetry: (error) => !(error instanceof FatalSendError),
        delayHintMs: (error) => (error instanceof TemporaryAnswerError ? error.retryAfterMs : undefined),
        onRetry: () => {
          this.stats.retried += 1;
        },
      });
    } catch (error) {
      if (error instanceof FatalSendError) throw error;
      this.stats.failed += 1;
      return batch.map(() => 'failed');
    }
  }

  /** One request: the outcomes, or a TemporaryAnswerError / network error worth retrying. */
  private async post(batch: readonly GeneratedItem[], body: string): Promise<readonly Outcome[]> {
    this.stats.requests += 1;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          ...(this.options.apiKey === undefined ? {} : { 'x-api-key': this.options.apiKey }),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      if (RETRYABLE.has(response.status)) {
        throw new TemporaryAnswerError(
          `HTTP ${response.status}: ${text.slice(0, 200)}`,
          retryAfterMs(response.headers.get('retry-after')),
        );
      }
      const answer = interpretBatchAnswer(response.status, text, batch.length);
      if (answer.kind === 'fatal') throw new FatalSendError(answer.message);
      return answer.outcomes;
    } catch (error) {
      if (!(error instanceof FatalSendError)) this.stats.lastError = (error as Error).message;
      throw error;
    }
  }
}
