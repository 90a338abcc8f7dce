import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TransientError } from '@pulse/kafka';
import { InfluxRejectedError } from './influx-errors';
import { startTestServer } from '../testing/http-test-server';
import { HttpInfluxWriter } from './http-influx-writer';

const lines = ['m,t=a f=1i 1', 'm,t=b f=2i 2', 'm,t=c f=3i 3'];

interface Common {
  url: string;
  token?: string;
  batchLines: number;
  timeoutMs: number;
}

/** What PULSE_INFLUX_API=v1 configures: `/write` into a database. */
function v1Writer(options: Common & { database: string }) {
  const { database, ...common } = options;
  return new HttpInfluxWriter({ ...common, target: { api: 'v1', database } });
}

/** What PULSE_INFLUX_API=v2 configures: the v2 write API into an organisation's bucket. */
function v2Writer(options: Common & { org: string; bucket: string }) {
  const { org, bucket, ...common } = options;
  return new HttpInfluxWriter({ ...common, target: { api: 'v2', org, bucket } });
}

describe('V1Writer', () => {
  it('creates the database once, then posts gzipped batches with ms precision', async () => {
    const server = await startTestServer((request) =>
      request.url.startsWith('/query')
        ? { status: 200, body: '{"results":[{"statement_id":0}]}' }
        : { status: 204 },
    );
    try {
      const writer = v1Writer({
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
      const writer = v1Writer({ url: server.url, database: 'pulse', batchLines: 10, timeoutMs: 2_000 });
      const failure = await writer.write(lines).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).retryAfterMs).toBe(7_000);
    } finally {
      await server.close();
    }
  });

  it('reports an unreachable InfluxDB as transient', async () => {
    const writer = v1Writer({
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
      const writer = v1Writer({ url: server.url, database: 'pulse', batchLines: 10, timeoutMs: 2_000 });
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
      const writer = v2Writer({
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
      const writer = v2Writer({
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
    const unreachable = v2Writer({
      url: 'http://127.0.0.1:9',
      org: 'o',
      bucket: 'b',
      batchLines: 10,
      timeoutMs: 2_000,
    });
    await expect(unreachable.write(lines)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('V2Writer: what the v2 client library got wrong', () => {
  it('honours Retry-After in seconds', async () => {
    // The client library reported Retry-After in seconds and the writer read it as ms: 7 ms.
    const server = await startTestServer(() => ({
      status: 503,
      body: '{"code":"unavailable","message":"busy"}',
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
    }));
    try {
      const writer = v2Writer({ url: server.url, org: 'o', bucket: 'b', batchLines: 10, timeoutMs: 2_000 });
      const failure = await writer.write(lines).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).retryAfterMs).toBe(7_000);
    } finally {
      await server.close();
    }
  });

  it('gives up on a request after the timeout even while the answer trickles in', async () => {
    // The client library's timeout measured inactivity: one byte every 100 ms held it forever.
    const sockets = new Set<Socket>();
    const timers = new Set<NodeJS.Timeout>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        const status = 'HTTP/1.1 204 No Content';
        let sent = 0;
        const timer = setInterval(() => {
          if (sent < status.length) socket.write(status[sent++]!);
        }, 100);
        timers.add(timer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const writer = v2Writer({ url, org: 'o', bucket: 'b', batchLines: 10, timeoutMs: 500 });
      const started = Date.now();
      await expect(writer.write(lines)).rejects.toBeInstanceOf(TransientError);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 5_000);
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
            ? v1Writer({ ...common, database: 'pulse' })
            : v2Writer({ ...common, org: 'o', bucket: 'b' });
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
