import { TransientError } from '@pulse/kafka';
import { InfluxRejectedError } from './influx-errors';
import { startTestServer } from '../testing/http-test-server';
import { V1Writer } from './v1-writer';
import { V2Writer } from './v2-writer';

const lines = ['m,t=a f=1i 1', 'm,t=b f=2i 2', 'm,t=c f=3i 3'];

describe('V1Writer', () => {
  it('creates the database once, then posts gzipped batches with ms precision', async () => {
    const server = await startTestServer((request) =>
      request.url.startsWith('/query')
        ? { status: 200, body: '{"results":[{"statement_id":0}]}' }
        : { status: 204 },
    );
    try {
      const writer = new V1Writer({
        url: server.url,
        database: 'pulse "x"',
        token: 'secret',
        batchLines: 2,
        timeoutMs: 2_000,
      });
      await writer.write(lines);
      await writer.write(['m f=4i 4']);
      expect(server.requests.map((request) => request.url)).toEqual([
        '/query',
        '/write?db=pulse+%22x%22&precision=ms',
        '/write?db=pulse+%22x%22&precision=ms',
        '/write?db=pulse+%22x%22&precision=ms',
      ]);
      expect(new URLSearchParams(server.requests[0]?.body).get('q')).toBe('CREATE DATABASE "pulse \\"x\\""');
      expect(server.requests[1]?.headers['content-encoding']).toBe('gzip');
      expect(server.requests[1]?.headers.authorization).toBe('Token secret');
      expect(server.requests.slice(1).map((request) => request.body)).toEqual([
        'm,t=a f=1i 1\nm,t=b f=2i 2',
        'm,t=c f=3i 3',
        'm f=4i 4',
      ]);
    } finally {
      await server.close();
    }
  });

  it('reports an overloaded InfluxDB as transient, with its Retry-After', async () => {
    const server = await startTestServer((request) =>
      request.url.startsWith('/query')
        ? { status: 200, body: '{}' }
        : { status: 503, body: 'busy', headers: { 'retry-after': '7' } },
    );
    try {
      const writer = new V1Writer({ url: server.url, database: 'pulse', batchLines: 10, timeoutMs: 2_000 });
      const failure = await writer.write(lines).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).retryAfterMs).toBe(7_000);
    } finally {
      await server.close();
    }
  });

  it('reports an unreachable InfluxDB as transient', async () => {
    const writer = new V1Writer({
      url: 'http://127.0.0.1:9',
      database: 'pulse',
      batchLines: 10,
      timeoutMs: 2_000,
    });
    await expect(writer.write(lines)).rejects.toBeInstanceOf(TransientError);
  });

  it('reports rejected data as such (not as an outage)', async () => {
    const server = await startTestServer((request) =>
      request.url.startsWith('/query')
        ? { status: 200, body: '{}' }
        : { status: 400, body: '{"error":"field type conflict"}' },
    );
    try {
      const writer = new V1Writer({ url: server.url, database: 'pulse', batchLines: 10, timeoutMs: 2_000 });
      await expect(writer.write(lines)).rejects.toBeInstanceOf(InfluxRejectedError);
    } finally {
      await server.close();
    }
  });
});

describe('V2Writer', () => {
  it('writes batches through /api/v2/write with org, bucket, ms precision and the token', async () => {
    const server = await startTestServer(() => ({ status: 204 }));
    try {
      const writer = new V2Writer({
        url: server.url,
        org: 'acme',
        bucket: 'pulse',
        token: 't0k',
        batchLines: 2,
        timeoutMs: 2_000,
      });
      await writer.write(lines);
      expect(server.requests.map((request) => request.url)).toEqual([
        '/api/v2/write?org=acme&bucket=pulse&precision=ms',
        '/api/v2/write?org=acme&bucket=pulse&precision=ms',
      ]);
      expect(server.requests[0]?.headers.authorization).toBe('Token t0k');
      expect(server.requests.map((request) => request.body)).toEqual([
        'm,t=a f=1i 1\nm,t=b f=2i 2',
        'm,t=c f=3i 3',
      ]);
    } finally {
      await server.close();
    }
  });

  it('maps 503 and an unreachable server to TransientError, 422 to a rejection', async () => {
    let status = 503;
    const server = await startTestServer(() => ({
      status,
      body: '{"code":"unavailable","message":"x"}',
      headers: { 'content-type': 'application/json' },
    }));
    try {
      const writer = new V2Writer({
        url: server.url,
        org: 'o',
        bucket: 'b',
        batchLines: 10,
        timeoutMs: 2_000,
      });
      await expect(writer.write(lines)).rejects.toBeInstanceOf(TransientError);
      status = 422;
      await expect(writer.write(lines)).rejects.toBeInstanceOf(InfluxRejectedError);
    } finally {
      await server.close();
    }
    const unreachable = new V2Writer({
      url: 'http://127.0.0.1:9',
      org: 'o',
      bucket: 'b',
      batchLines: 10,
      timeoutMs: 2_000,
    });
    await expect(unreachable.write(lines)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('the check before each request', () => {
  it.each(['v1', 'v2'] as const)(
    '%s: runs before every batch, and a refusal sends nothing more and rejects with its error',
    async (api) => {
      const server = await startTestServer((request) =>
        request.url.startsWith('/query') ? { status: 200, body: '{}' } : { status: 204 },
      );
      try {
        const common = { url: server.url, batchLines: 1, timeoutMs: 2_000 };
        const writer =
          api === 'v1'
            ? new V1Writer({ ...common, database: 'pulse' })
            : new V2Writer({ ...common, org: 'o', bucket: 'b' });
        let checks = 0;
        const refusal = new Error('membership lapsed');
        const failure = await writer
          .write(lines, () => {
            checks += 1;
            if (checks === 2) throw refusal;
          })
          .catch((error: unknown) => error);
        expect(failure).toBe(refusal);
        const writes = server.requests.filter((request) => !request.url.startsWith('/query'));
        expect(writes.map((request) => request.body)).toEqual(['m,t=a f=1i 1']);
      } finally {
        await server.close();
      }
    },
  );
});
