import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createLogger } from '@pulse/observability';
import { freePort } from '@pulse/fleet';
import { waitFor } from '@pulse/testing';
import { NatsConnector } from './nats-connection';

/** Debian's nats-server, which the local stack installs. */
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

function startNatsServer(port: number): ChildProcess {
  return spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
}

async function stopNatsServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

describe('NatsConnector against a real nats-server', () => {
  const servers: ChildProcess[] = [];
  let connector: NatsConnector | undefined;

  afterEach(async () => {
    await connector?.close(2_000);
    await Promise.all(servers.map(stopNatsServer));
  });

  it('connects once NATS comes up after the start, and reconnects after NATS restarts', async () => {
    const port = await freePort();
    connector = new NatsConnector(
      [`nats://127.0.0.1:${port}`],
      createLogger('nats-connection-spec', 'silent'),
      'spec',
    );
    connector.open();

    // NATS is not there yet: the connector neither throws nor claims a connection.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(connector.isConnected()).toBe(false);
    expect(connector.current()).toBeNull();

    servers.push(startNatsServer(port));
    await waitFor('first connection', () => connector!.isConnected(), { timeoutMs: 15_000 });
    expect(connector.current()).not.toBeNull();

    await stopNatsServer(servers[0]!);
    await waitFor('disconnect noticed', () => !connector!.isConnected(), { timeoutMs: 15_000 });
    expect(connector.current()).toBeNull();

    servers.push(startNatsServer(port));
    await waitFor('reconnection', () => connector!.isConnected(), { timeoutMs: 15_000 });
    const connection = connector.current();
    expect(connection).not.toBeNull();
    await connection!.flush();
  });

  it('gives no connection once closed, even if NATS comes up later', async () => {
    const port = await freePort();
    connector = new NatsConnector(
      [`nats://127.0.0.1:${port}`],
      createLogger('nats-connection-spec', 'silent'),
      'spec',
    );
    connector.open();
    await connector.close(1_000);

    servers.push(startNatsServer(port));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(connector.isConnected()).toBe(false);
    expect(connector.current()).toBeNull();
  });

  it('ends its attempt to connect when closed while NATS never came up', async () => {
    const port = await freePort();
    connector = new NatsConnector(
      [`nats://127.0.0.1:${port}`],
      createLogger('nats-connection-spec', 'silent'),
      'spec',
    );
    connector.open();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = Date.now();
    // Resolves when the client gave up dialling, or after 10 s if it kept on.
    await connector.close(10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(connector.current()).toBeNull();
  });
});
