import { z } from 'zod';

const targets = z.array(z.looseObject({ webSocketDebuggerUrl: z.string() })).min(1);
const reply = z.looseObject({
  id: z.number(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});

/**
 * Talks to another Node process's inspector (started with `--inspect=127.0.0.1:<port>`), to look
 * at its memory as it really is: after a full garbage collection, not whenever V8 last got round
 * to one.
 */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, (message: z.infer<typeof reply>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = reply.safeParse(JSON.parse(String(event.data)));
      if (message.success) this.pending.get(message.data.id)?.(message.data);
    });
  }

  static async connect(port: number): Promise<InspectorSession> {
    const response = await fetch(`http://127.0.0.1:${port}/json/list`, {
      signal: AbortSignal.timeout(5_000),
    });
    const [target] = targets.parse(await response.json());
    if (target === undefined) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener(
        'error',
        () => reject(new Error(`could not connect to the inspector on ${port}`)),
        {
          once: true,
        },
      );
    });
    return new InspectorSession(socket);
  }

  /** Full GC, then the V8 heap in use (bytes). */
  async heapUsedAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    const usage = z.object({ usedSize: z.number() }).parse(await this.call('Runtime.getHeapUsage'));
    return usage.usedSize;
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string): Promise<unknown> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} got no answer within 30 s`));
      }, 30_000);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (message.error !== undefined)
          reject(new Error(`inspector: ${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
}
