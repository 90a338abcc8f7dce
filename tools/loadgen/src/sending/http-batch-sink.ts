import { setTimeout as sleep } from 'node:timers/promises';
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
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      this.stats.requests += 1;
      let retryAfterMs = Math.min(200 * 2 ** (attempt - 1), 5_000);
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
        if (!RETRYABLE.has(response.status)) {
          const answer = interpretBatchAnswer(response.status, text, batch.length);
          if (answer.kind === 'fatal') throw new FatalSendError(answer.message);
          return answer.outcomes;
        }
        this.stats.lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
      } catch (error) {
        if (error instanceof FatalSendError) throw error;
        this.stats.lastError = (error as Error).message;
      }
      if (attempt >= maxAttempts) {
        this.stats.failed += 1;
        return batch.map(() => 'failed');
      }
      this.stats.retried += 1;
      await sleep(retryAfterMs);
    }
  }
}
