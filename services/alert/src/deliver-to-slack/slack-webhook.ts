import { retryAfterMs } from '@pulse/http';
import { timeoutSignal } from '@pulse/observability';

export type SlackResult =
  | { kind: 'ok' }
  | { kind: 'rate_limited'; retryAfterMs: number | undefined; reason: string }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; status: number; reason: string };

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Posts to a Slack incoming webhook and says what the answer means for delivery:
 * 2xx delivered; 429 wait (Retry-After); 5xx, 408 or no answer try again; any other 4xx
 * (a revoked webhook answers 404/410, a bad payload 400) will never succeed.
 */
export class SlackWebhook {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: FetchLike = (url, init) => fetch(url, init),
  ) {}

  async post(payload: unknown): Promise<SlackResult> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: timeoutSignal(this.timeoutMs),
      });
    } catch (error) {
      return { kind: 'transient', reason: `no answer from Slack: ${describe(error)}` };
    }
    const body = (await response.text().catch(() => '')).slice(0, 300);
    const reason = `Slack answered ${response.status}${body ? `: ${body}` : ''}`;
    if (response.ok) return { kind: 'ok' };
    if (response.status === 429) {
      return {
        kind: 'rate_limited',
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
        reason,
      };
    }
    if (response.status >= 500 || response.status === 408) return { kind: 'transient', reason };
    return { kind: 'permanent', status: response.status, reason };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
