import { TransientError } from '@pulse/kafka';
import { InfluxUnavailableError } from '@pulse/influx';
import { fakeInflux, reply, type FakeInflux, type SeenRequest } from '@pulse/testing';
import { InfluxRejectedError } from './influx-errors';
import { HttpInfluxWriter } from './http-influx-writer';

// What aggregation adds to @pulse/influx: its settings reach the client and the line writer, and
// a failed write becomes what the consumer runner acts on. The HTTP exchange, line protocol,
// batching and the classification of answers are libs/influx's and tested there.

const lines = ['m,t=a f=1i 1', 'm,t=b f=2i 2', 'm,t=c f=3i 3'];
const isCommand = (request: SeenRequest) => request.url.startsWith('/query');

const targets = {
  v1: { api: 'v1', database: 'pulse' },
  v2: { api: 'v2', org: 'acme', bucket: 'pulse' },
} as const;

describe('HttpInfluxWriter', () => {
  let server: FakeInflux | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A writer to a fake InfluxDB that accepts commands and answers writes as `write` says. */
  const writerFor = async (
    api: keyof typeof targets,
    write: () => { status: number; body?: unknown; headers?: Record<string, string> },
    {
      token,
      batchLines = 10,
      timeoutMs = 2_000,
    }: { token?: string; batchLines?: number; timeoutMs?: number } = {},
  ) => {
    server = await fakeInflux((request, response) => {
      if (isCommand(request)) return reply(response, 200, { results: [{ statement_id: 0 }] });
      const { status, body, headers } = write();
      reply(response, status, body, headers);
    });
    const writer = new HttpInfluxWriter({
      url: server.url,
      target: targets[api],
      batchLines,
      timeoutMs,
      ...(token === undefined ? {} : { token }),
    });
    return { writer, writes: () => (server?.requests ?? []).filter((request) => !isCommand(request)) };
  };

  describe.each(['v1', 'v2'] as const)('%s', (api) => {
    it('writes to the configured target with the token, in batches of batchLines', async () => {
      const { writer, writes } = await writerFor(api, () => ({ status: 204 }), {
        token: 't0k',
        batchLines: 2,
      });
      await writer.write(lines);
      const path =
        api === 'v1' ? '/write?db=pulse&precision=ms' : '/api/v2/write?org=acme&bucket=pulse&precision=ms';
      expect(writes().map((request) => [request.url, request.headers.authorization, request.body])).toEqual([
        [path, 'Token t0k', 'm,t=a f=1i 1\nm,t=b f=2i 2'],
        [path, 'Token t0k', 'm,t=c f=3i 3'],
      ]);
    });

    it('reports an overloaded InfluxDB as transient, with its Retry-After and the cause', async () => {
      const { writer } = await writerFor(api, () => ({
        status: 503,
        body: { code: 'unavailable', message: 'busy' },
        headers: { 'content-type': 'application/json', 'retry-after': '7' },
      }));
      const failure = await writer.write(lines).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).retryAfterMs).toBe(7_000);
      expect((failure as TransientError).cause).toBeInstanceOf(InfluxUnavailableError);
    });

    it('reports an unreachable InfluxDB as transient', async () => {
      const writer = new HttpInfluxWriter({
        url: 'http://127.0.0.1:9',
        target: targets[api],
        batchLines: 10,
        timeoutMs: 2_000,
      });
      await expect(writer.write(lines)).rejects.toBeInstanceOf(TransientError);
    });

    it('gives up after timeoutMs, as a transient failure', async () => {
      server = await fakeInflux((request, response) => {
        if (isCommand(request)) reply(response, 200, { results: [{ statement_id: 0 }] });
        // A write is never answered.
      });
      const writer = new HttpInfluxWriter({
        url: server.url,
        target: targets[api],
        batchLines: 10,
        timeoutMs: 300,
      });
      const started = Date.now();
      await expect(writer.write(lines)).rejects.toBeInstanceOf(TransientError);
      expect(Date.now() - started).toBeLessThan(1_500);
    }, 5_000);

    it.each([400, 422])('reports data refused with HTTP %i as rejected, not as an outage', async (status) => {
      const { writer } = await writerFor(api, () => ({ status, body: { error: 'field type conflict' } }));
      const failure = await writer.write(lines).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InfluxRejectedError);
      expect(failure).not.toBeInstanceOf(TransientError);
    });

    it('runs the check before every batch; its refusal sends nothing more and rejects as it is', async () => {
      const { writer, writes } = await writerFor(api, () => ({ status: 204 }), { batchLines: 1 });
      let checks = 0;
      const refusal = new Error('membership lapsed');
      const failure = await writer
        .write(lines, () => {
          checks += 1;
          if (checks === 2) throw refusal;
        })
        .catch((error: unknown) => error);
      expect(failure).toBe(refusal);
      expect(writes().map((request) => request.body)).toEqual(['m,t=a f=1i 1']);
    });
  });
});
