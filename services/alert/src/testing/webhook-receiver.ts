import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  at: number;
  status: number;
  body: { text?: string; blocks?: unknown[] };
  raw: string;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A stand-in for a Slack incoming webhook in tests: answers from a script (then 200 "ok"), or a
 * fixed answer while `down`, and keeps every request with the answer it got.
 */
export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  private script: ScriptedAnswer[] = [];
  private outage: ScriptedAnswer | null = null;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    // The handler needs the receiver, which needs the server's port: fill it in once listening.
    const holder: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = holder.receiver?.nextAnswer() ?? { status: 200 };
        let body: ReceivedPost['body'] = {};
        try {
          body = JSON.parse(raw) as ReceivedPost['body'];
        } catch {
          // kept raw
        }
        holder.receiver?.posts.push({ at: Date.now(), status: answer.status, body, raw });
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.body ?? (answer.status === 200 ? 'ok' : 'error'));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    holder.receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/services/T000/B000/test`);
    return holder.receiver;
  }

  /** Answers the next requests with these, in order. */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Answers every request with this until `recover()`. */
  goDown(answer: ScriptedAnswer = { status: 503 }): void {
    this.outage = answer;
  }

  recover(): void {
    this.outage = null;
  }

  /** Requests whose body mentions `needle`. */
  postsMentioning(needle: string): ReceivedPost[] {
    return this.posts.filter((post) => post.raw.includes(needle));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextAnswer(): ScriptedAnswer {
    return this.outage ?? this.script.shift() ?? { status: 200 };
  }
}
