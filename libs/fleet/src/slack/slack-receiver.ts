import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** One message a service posted to the (local) Slack incoming webhook. */
export interface SlackMessage {
  receivedAt: Date;
  /** Request path, e.g. /services/local — lets one receiver stand in for several webhooks. */
  path: string;
  /** `text`, or the text of the blocks when there is no top-level text. */
  text: string;
  payload: Record<string, unknown>;
}

/** One delivery attempt (any POST), with the answer it got, kept or not. */
export interface SlackDeliveryAttempt {
  receivedAt: Date;
  path: string;
  /** The HTTP status it was answered with. */
  status: number;
  /** The request body as sent. */
  body: string;
  /** The body as a JSON object, when it is one. */
  payload: Record<string, unknown> | undefined;
}

/** An answer a test scripts for the next delivery: a status, its headers and body. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface SlackReceiverOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * Answer 429 with Retry-After above this many messages per second, as Slack does (about one
   * per second per channel). Off by default.
   */
  rateLimitPerSecond?: number;
}

const MAX_BODY_BYTES = 1_000_000;

/**
 * A stand-in for a Slack incoming webhook: accepts the same JSON payloads, answers `ok` like
 * Slack, and keeps what it received for the terminal summary and for test assertions.
 */
export class SlackReceiver {
  private readonly received: SlackMessage[] = [];
  private readonly tried: SlackDeliveryAttempt[] = [];
  private readonly script: ScriptedAnswer[] = [];
  private readonly events = new EventEmitter();
  private rejectedForRate = 0;
  private outage: { until: number; status: number } | undefined;
  private rejectedForOutage = 0;
  private refusal: { until: number; status: number; error: string } | undefined;
  private rejectedForGood = 0;
  private hang: { until: number; timer: NodeJS.Timeout } | undefined;
  private readonly leftUnanswered: Date[] = [];
  /** Connections of the requests left unanswered by `hangFor`, destroyed when the hang ends. */
  private readonly hungSockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: SlackReceiverOptions = {}): Promise<SlackReceiver> {
    const limiter =
      options.rateLimitPerSecond === undefined
        ? undefined
        : new RateLimiterMemory({ points: options.rateLimitPerSecond, duration: 1 });
    const server = createServer();
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const receiver = new SlackReceiver(
      server,
      `http://${options.host ?? '127.0.0.1'}:${port}/services/local`,
    );
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void receiver.handle(request, response, limiter);
    });
    return receiver;
  }

  get messages(): readonly SlackMessage[] {
    return this.received;
  }

  /** Every delivery attempt in arrival order, with the status it was answered (hung ones excluded). */
  get attempts(): readonly SlackDeliveryAttempt[] {
    return this.tried;
  }

  /** The delivery attempts whose body contains `needle`. */
  attemptsMentioning(needle: string): SlackDeliveryAttempt[] {
    return this.tried.filter((attempt) => attempt.body.includes(needle));
  }

  /**
   * Answers the next deliveries with these, in order, before any outage or refusal is considered
   * (e.g. a 500, then a 429 with `retry-after`); a scripted 2xx keeps the message like a normal one.
   */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Requests answered 429 because of `rateLimitPerSecond`. */
  get rateLimited(): number {
    return this.rejectedForRate;
  }

  /** Deliveries answered with an error because of `failFor`. */
  get refusedDuringOutage(): number {
    return this.rejectedForOutage;
  }

  /**
   * Plays a Slack outage: for `durationMs` from now every delivery is answered `status` (a 5xx,
   * which Slack's clients must retry) and not kept. Ends early with `durationMs` 0.
   */
  failFor(durationMs: number, status = 503): void {
    if (status < 500 || status > 599) throw new RangeError(`an outage answers 5xx, not ${status}`);
    this.outage = durationMs > 0 ? { until: Date.now() + durationMs, status } : undefined;
  }

  /** Deliveries answered with a permanent error because of `refuseFor`. */
  get refusedForGood(): number {
    return this.rejectedForGood;
  }

  /**
   * Plays a webhook Slack refuses for good (its channel archived or deleted, the app removed):
   * for `durationMs` from now every delivery is answered `status` with Slack's error code as the
   * body, e.g. 404 `channel_not_found` or 410 `channel_is_archived`, and not kept. Only a 4xx a
   * client must not retry: 408 and 429 are refused. Ends early with `durationMs` 0, as when the
   * operator fixed the webhook.
   */
  refuseFor(durationMs: number, status = 404, error = 'channel_not_found'): void {
    if (status < 400 || status > 499 || status === 408 || status === 429) {
      throw new RangeError(`a permanent refusal answers a 4xx other than 408 and 429, not ${status}`);
    }
    this.refusal = durationMs > 0 ? { until: Date.now() + durationMs, status, error } : undefined;
  }

  /** When each delivery left unanswered by `hangFor` arrived. */
  get unansweredDuringHang(): readonly Date[] {
    return this.leftUnanswered;
  }

  /**
   * Plays a Slack that accepts connections and never answers: for `durationMs` from now every
   * delivery is read and left without an answer (its connection stays open) and not kept. When
   * the period ends, or on `close`, those connections are destroyed. Ends early with `durationMs` 0.
   */
  hangFor(durationMs: number): void {
    if (this.hang) clearTimeout(this.hang.timer);
    this.hang = undefined;
    if (durationMs <= 0) {
      this.releaseHung();
      return;
    }
    const timer = setTimeout(() => {
      this.hang = undefined;
      this.releaseHung();
    }, durationMs);
    timer.unref();
    this.hang = { until: Date.now() + durationMs, timer };
  }

  onMessage(listener: (message: SlackMessage) => void): () => void {
    this.events.on('message', listener);
    return () => this.events.off('message', listener);
  }

  async close(): Promise<void> {
    this.hangFor(0);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private releaseHung(): void {
    for (const socket of this.hungSockets) socket.destroy();
    this.hungSockets.clear();
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    limiter: RateLimiterMemory | undefined,
  ): Promise<void> {
    if (request.method === 'GET' && request.url === '/messages') {
      return reply(response, 200, JSON.stringify(this.received), 'application/json');
    }
    if (request.method !== 'POST') return reply(response, 405, 'method_not_allowed');
    if (this.hang !== undefined && Date.now() < this.hang.until) {
      this.leftUnanswered.push(new Date());
      const { socket } = request;
      this.hungSockets.add(socket);
      socket.once('close', () => this.hungSockets.delete(socket));
      request.resume();
      return;
    }
    let body: string;
    try {
      body = await readBody(request);
    } catch (error) {
      return this.answer(request, response, '', { status: 413, body: (error as Error).message });
    }
    const scripted = this.script.shift();
    if (scripted !== undefined && (scripted.status < 200 || scripted.status > 299)) {
      return this.answer(request, response, body, scripted);
    }
    if (this.outage !== undefined && Date.now() < this.outage.until) {
      this.rejectedForOutage += 1;
      return this.answer(request, response, body, {
        status: this.outage.status,
        body: 'service_unavailable',
      });
    }
    if (this.refusal !== undefined && Date.now() < this.refusal.until) {
      this.rejectedForGood += 1;
      return this.answer(request, response, body, { status: this.refusal.status, body: this.refusal.error });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return this.answer(request, response, body, { status: 400, body: 'invalid_payload' });
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return this.answer(request, response, body, { status: 400, body: 'invalid_payload' });
    }
    const text = textOf(payload as Record<string, unknown>);
    if (text === '') return this.answer(request, response, body, { status: 400, body: 'no_text' });
    if (limiter) {
      try {
        await limiter.consume(request.url ?? '/');
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        this.rejectedForRate += 1;
        const retryAfter = String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        return this.answer(request, response, body, {
          status: 429,
          headers: { 'retry-after': retryAfter },
          body: 'rate_limited',
        });
      }
    }
    const message: SlackMessage = {
      receivedAt: new Date(),
      path: request.url ?? '/',
      text,
      payload: payload as Record<string, unknown>,
    };
    this.received.push(message);
    this.events.emit('message', message);
    this.answer(request, response, body, scripted ?? { status: 200, body: 'ok' });
  }

  private answer(
    request: IncomingMessage,
    response: ServerResponse,
    body: string,
    answer: ScriptedAnswer,
  ): void {
    this.tried.push({
      receivedAt: new Date(),
      path: request.url ?? '/',
      status: answer.status,
      body,
      payload: jsonObjectOrUndefined(body),
    });
    response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    response.end(answer.body ?? (answer.status < 300 ? 'ok' : 'error'));
  }
}

function jsonObjectOrUndefined(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The human-readable text of a Slack payload: `text`, else the text of its blocks. */
export function textOf(payload: Record<string, unknown>): string {
  if (typeof payload.text === 'string' && payload.text.trim() !== '') return payload.text;
  const blocks = Array.isArray(payload.blocks) ? payload.blocks : [];
  const parts: string[] = [];
  for (const block of blocks) collectText(block, parts);
  return parts.join('\n');
}

function collectText(node: unknown, parts: string[]): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) collectText(item, parts);
    return;
  }
  const record = node as Record<string, unknown>;
  if (typeof record.text === 'string') parts.push(record.text);
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'text' || typeof value !== 'string') collectText(value, parts);
  }
}

function reply(response: ServerResponse, status: number, body: string, contentType = 'text/plain'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('payload_too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
