import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@pulse/observability';

/** How long the first connection may take before the log says NATS is unreachable. */
const UNREACHABLE_WARNING_MS = 5_000;

/**
 * One NATS connection, opened in the background and kept up by the client itself (it keeps
 * dialling until the first connection and reconnects forever after), so that NATS being down
 * neither blocks the start-up nor Slack delivery; publishers ask `current()` and treat a missing
 * or disconnected connection as a transient failure.
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
    this.opening ??= this.connectInBackground();
  }

  /** The connection when it is up, else null. */
  current(): NatsConnection | null {
    return this.connected ? this.connection : null;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Drains the connection, or ends the attempt to make one; resolves once either is done. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.connected = false;
    const connection = this.connection;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      if (!connection) {
        // Still dialling: the client asks reconnectToServer before its next attempt and gives up.
        await Promise.race([this.opening ?? Promise.resolve(), deadline]);
        return;
      }
      if (connection.isClosed()) return;
      await Promise.race([
        connection.drain().catch(() => connection.close()),
        deadline.then(() => connection.close()),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connectInBackground(): Promise<void> {
    const warning = setTimeout(
      () => this.logger.warn({ servers: this.servers }, 'NATS unreachable; the client keeps trying'),
      UNREACHABLE_WARNING_MS,
    ).unref();
    try {
      const connection = await connect({
        servers: this.servers,
        name: this.name,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        // Consulted before every attempt: once closed, the attempt is refused and connect() gives
        // up, so a NATS that never came up leaves no dialling behind (the process can exit).
        reconnectToServer: () => {
          if (this.closed) throw new Error('NATS connector closed');
          return null;
        },
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
    } catch (error) {
      // Only a configuration the client refuses outright (a malformed server URL) ends up here.
      this.logger.error(
        { err: error, servers: this.servers },
        'NATS connection failed; alerts go to Slack only',
      );
    } finally {
      clearTimeout(warning);
    }
  }

  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.logger.warn('NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.connected = !this.closed;
        this.logger.info('NATS reconnected');
      }
    }
    this.connected = false;
  }
}

/** The NATS servers to publish to; `none` turns NATS publishing off. */
export function natsServersOf(value: string): string[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
}
