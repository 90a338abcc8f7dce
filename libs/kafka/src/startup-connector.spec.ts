import { Writable } from 'node:stream';
import pino from 'pino';
import { StartupConnector, type Connectable, type StartupConnectPolicy } from './startup-connector';

const FAST: StartupConnectPolicy = { startupWaitMs: 200, backoff: { initialMs: 20, maxMs: 40, factor: 2 } };

/** A producer stand-in whose first `failures` connects are refused the way kafkajs refuses them. */
function flakyTarget(failures: number): Connectable & { connects: number; disconnects: number } {
  const target = {
    connects: 0,
    disconnects: 0,
    async connect(): Promise<void> {
      target.connects += 1;
      if (target.connects <= failures) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    },
    async disconnect(): Promise<void> {
      target.disconnects += 1;
    },
  };
  return target;
}

function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const waitUntil = async (condition: () => boolean): Promise<void> => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 3_000) throw new Error('condition not reached within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('StartupConnector', () => {
  it('returns as soon as the first attempt connects, logging nothing', async () => {
    const target = flakyTarget(0);
    const { logger, lines } = capturedLogger();
    await expect(new StartupConnector(target, logger, FAST).start()).resolves.toBe(true);
    expect(target.connects).toBe(1);
    expect(lines).toEqual([]);
  });

  it('retries a refused connection with backoff and says why', async () => {
    const target = flakyTarget(2);
    const { logger, lines } = capturedLogger();
    await expect(new StartupConnector(target, logger, FAST).start()).resolves.toBe(true);
    expect(target.connects).toBe(3);
    expect(lines.map(({ msg, attempt }) => [msg, attempt])).toEqual([
      ['cannot connect to Kafka; retrying', 1],
      ['cannot connect to Kafka; retrying', 2],
      ['connected to Kafka', undefined],
    ]);
    expect(lines[0]).toMatchObject({ error: expect.stringContaining('ECONNREFUSED') });
  });

  it('lets start-up carry on after the wait, keeps retrying, and stops retrying on stop', async () => {
    const target = flakyTarget(Number.POSITIVE_INFINITY);
    const { logger, lines } = capturedLogger();
    const connector = new StartupConnector(target, logger, { ...FAST, startupWaitMs: 60 });
    await expect(connector.start()).resolves.toBe(false);
    expect(lines.some(({ msg }) => String(msg).startsWith('started without Kafka'))).toBe(true);

    const attemptsSoFar = target.connects;
    await waitUntil(() => target.connects >= attemptsSoFar + 2);
    connector.stop();
    const afterStop = target.connects;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(target.connects).toBe(afterStop);
  });

  it('closes a connection that completes after stop', async () => {
    let finish: () => void = () => undefined;
    const target = {
      disconnects: 0,
      connect: () => new Promise<void>((resolve) => (finish = resolve)),
      async disconnect() {
        target.disconnects += 1;
      },
    };
    const connector = new StartupConnector(target, capturedLogger().logger, { ...FAST, startupWaitMs: 20 });
    await expect(connector.start()).resolves.toBe(false);
    connector.stop();
    finish();
    await waitUntil(() => target.disconnects === 1);
  });
});
