import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** One client connection and what the proxy holds back from it. */
interface Path {
  readonly client: Socket;
  /** Opened when the first bytes go through: a connection held idle might be closed by the server. */
  upstream: Socket | undefined;
  held: Buffer[];
  /** When its first held byte came (orders the release). */
  heldSince: number;
}

/**
 * A TCP proxy in front of a real server that plays a congested network: while `hold()` is on,
 * nothing a client sends gets through, and `release()` then delivers what it held — requests
 * their clients may long have given up on — newest first, each once the previous one was
 * answered, while new requests pass. That is the order in which a request abandoned after a
 * timeout lands after its retry, and after whatever the client wrote since.
 */
export class StallingProxy {
  private readonly paths = new Set<Path>();
  private holding = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<StallingProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxy = new StallingProxy(server, `http://127.0.0.1:${port}`, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  hold(): void {
    this.holding = true;
  }

  /**
   * Delivers what was held, newest connection first, `gapMs` apart (a path still retransmitting
   * the oldest segments last); returns how many requests it delivered. New requests go straight
   * through meanwhile.
   */
  async release({ gapMs = 0 }: { gapMs?: number } = {}): Promise<number> {
    this.holding = false;
    const held = [...this.paths]
      .filter((path) => path.held.length > 0)
      .sort((a, b) => b.heldSince - a.heldSince);
    for (const path of held) {
      const bytes = Buffer.concat(path.held.splice(0));
      const upstream = this.upstreamOf(path);
      const answered = once(upstream, 'data').catch(() => undefined);
      upstream.write(bytes);
      await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      if (path.client.destroyed) this.finish(path);
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    return held.length;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.paths) {
      client.destroy();
      upstream?.destroy();
    }
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }

  private accept(client: Socket): void {
    const path: Path = { client, upstream: undefined, held: [], heldSince: 0 };
    this.paths.add(path);
    client.on('data', (chunk: Buffer) => {
      if (this.holding || path.held.length > 0) {
        if (path.held.length === 0) path.heldSince = performance.now();
        path.held.push(chunk);
      } else {
        this.upstreamOf(path).write(chunk);
      }
    });
    // A client that gave up leaves its held request to be delivered later; only then is the
    // path done.
    client.on('close', () => {
      if (path.held.length === 0) this.finish(path);
    });
    client.on('error', () => undefined);
  }

  private upstreamOf(path: Path): Socket {
    if (path.upstream !== undefined) return path.upstream;
    const upstream = connect(this.target.port, this.target.host);
    path.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      if (!path.client.destroyed) path.client.write(chunk);
    });
    upstream.on('error', () => this.finish(path));
    upstream.on('close', () => this.finish(path));
    return upstream;
  }

  private finish(path: Path): void {
    if (path.held.length > 0) return;
    path.client.destroy();
    path.upstream?.destroy();
    this.paths.delete(path);
  }
}
