import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@pulse/observability';

/**
 * One NATS connection, opened in the background and reconnected forever, so that NATS being
 * down neither blocks the start-up nor Slack delivery; publishers ask `current()` and treat a
 * missing or disconnected connection as a transient failure.
 */
export class NatsConnector {
  private connection: NatsConnection | null = null;
  private connected = false;
  private closed = false;
  private opening: Promise<void> | null = null;

  constructor(
    private readonly servers: string[],
    private readonly logger: Logger,
    private readonly name: string,
  ) {}

  open(): void {
    this.opening ??= this.connectUntilDone();
  }

  /** The connection when it is up, else null. */
  current(): NatsConnection | null {
    return this.connected ? this.connection : null;
  }

  isConnected(): boolean {
    return this.connected;
  }

  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    if (!connection || connection.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connection.drain().catch(() => connection.close()),
      new Promise<void>(
        (resolve) => (timer = setTimeout(() => void connection.close().then(resolve, resolve), timeoutMs)),
      ),
    ]).finally(() => clearTimeout(timer));
  }

  private async connectUntilDone(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt += 1) {
      try {
        const connection = await connect({
          servers: this.servers,
          name: this.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
          timeout: 5_000,
        });
        if (this.closed) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.connected = true;
        this.logger.info({ servers: this.servers }, 'connected to NATS');
        void this.watch(connection);
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 30 === 0) {
          this.logger.warn({ err: error, servers: this.servers, attempt }, 'NATS unreachable; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)).unref());
      }
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.logger.warn('NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.logger.info('NATS reconnected');
      }
    }
    this.connected = false;
  }
}
