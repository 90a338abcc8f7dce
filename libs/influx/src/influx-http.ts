import { timeoutSignal } from '@pulse/observability';
import { unreachable } from './influx-errors';

/** `fetch`'s shape, so tests can answer in place of InfluxDB. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface InfluxConnection {
  /** Base URL, e.g. `http://127.0.0.1:8086` (a path prefix is kept; trailing slashes are not). */
  readonly url: string;
  /** Sent as `Authorization: Token …` (InfluxDB 2.x/3.x tokens, 1.x `user:password`). */
  readonly token?: string;
  /** Per request, including reading the answer's body. */
  readonly timeoutMs: number;
  readonly fetch?: FetchLike;
}

/** An answer read in full. */
export interface InfluxAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

/**
 * The one HTTP transport to InfluxDB: base URL, token and a timeout that covers the whole
 * exchange (`timeoutSignal`: an answer that arrived while the process was paused still wins).
 * Anything that ends without a complete answer is an `InfluxUnavailableError`.
 */
export class InfluxHttp {
  private readonly base: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly connection: InfluxConnection) {
    this.base = connection.url.replace(/\/+$/, '');
    this.fetchImpl = connection.fetch ?? ((url, init) => fetch(url, init));
  }

  /**
   * Sends one request. `readBody: false` skips a 2xx answer's body (writes answer 204), so the
   * connection goes back to the pool at once.
   */
  async send(
    path: string,
    init: { method: 'GET' | 'POST'; body?: string | Buffer; headers?: Record<string, string> },
    { readBody = true }: { readBody?: boolean } = {},
  ): Promise<InfluxAnswer> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.connection.token) headers.authorization = `Token ${this.connection.token}`;
    try {
      const response = await this.fetchImpl(`${this.base}${path}`, {
        method: init.method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: timeoutSignal(this.connection.timeoutMs),
      });
      // Inside the try: the timeout also aborts a body that is still arriving, and that is the
      // same "retry later" as no answer at all.
      if (!readBody && response.ok) {
        await response.body?.cancel();
        return { status: response.status, text: '', headers: response.headers };
      }
      return { status: response.status, text: await response.text(), headers: response.headers };
    } catch (error) {
      throw unreachable(error, this.connection.timeoutMs);
    }
  }
}
