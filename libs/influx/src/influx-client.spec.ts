import { InfluxClient } from './influx-client';
import {
  InfluxDatabaseNotFoundError,
  InfluxQueryError,
  InfluxRejectedError,
  InfluxUnavailableError,
} from './influx-errors';
// @pulse/testing builds on @pulse/influx; its fake InfluxDB is a test-only import (the cycle libs/kafka's specs accept too).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fakeInflux, reply, type FakeInflux, type SeenRequest } from '@pulse/testing';
import type { ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';

describe('InfluxClient', () => {
  const servers: FakeInflux[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  const clientFor = async (
    answer: (request: SeenRequest, response: ServerResponse) => void,
    { timeoutMs = 2_000, token }: { timeoutMs?: number; token?: string } = {},
  ) => {
    const server = await fakeInflux(answer);
    servers.push(server);
    return {
      server,
      client: new InfluxClient({
        url: `${server.url}/`,
        timeoutMs,
        ...(token === undefined ? {} : { token }),
      }),
    };
  };

  describe('query', () => {
    it('GETs /query with the database, epoch=ms and the token; returns the series of each statement', async () => {
      const { client, server } = await clientFor(
        (_request, response) =>
          reply(response, 200, {
            results: [
              {
                statement_id: 0,
                series: [
                  {
                    name: 'activity',
                    tags: { region: 'europe' },
                    columns: ['time', 'orders'],
                    values: [[1, 3]],
                  },
                ],
              },
              { statement_id: 1 },
            ],
          }),
        { token: 'read' },
      );
      await expect(client.query('pulse', ['SELECT 1', 'SELECT 2'])).resolves.toEqual([
        [{ name: 'activity', tags: { region: 'europe' }, rows: [{ time: 1, orders: 3 }] }],
        [],
      ]);
      const [request] = server.requests;
      expect(request?.method).toBe('GET');
      const url = new URL(request?.url ?? '', server.url);
      expect(url.pathname).toBe('/query');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        db: 'pulse',
        epoch: 'ms',
        q: 'SELECT 1;\nSELECT 2',
      });
      expect(request?.headers.authorization).toBe('Token read');
    });

    it('treats a body that stops arriving before the timeout as unavailable, not as a crash', async () => {
      // Headers at once, then the body stalls: the timeout fires while the body is being read.
      const { client } = await clientFor(
        (_request, response) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"results":[');
        },
        { timeoutMs: 200 },
      );
      const failure = client.query('pulse', ['SELECT 1']);
      await expect(failure).rejects.toBeInstanceOf(InfluxUnavailableError);
      await expect(failure).rejects.toThrow(/timeout 200 ms/);
    });

    it('maps an overloaded InfluxDB (429, 5xx) to unavailable, with its Retry-After', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 503, 'busy', { 'retry-after': '4' }),
      );
      const failure = await client.query('pulse', ['SELECT 1']).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InfluxUnavailableError);
      expect((failure as InfluxUnavailableError).retryAfterMs).toBe(4_000);
      const { client: limited } = await clientFor((_request, response) => reply(response, 429, 'slow down'));
      await expect(limited.query('pulse', ['SELECT 1'])).rejects.toBeInstanceOf(InfluxUnavailableError);
    });

    it('maps a refused statement, a refused request and a body that is not JSON to a query error', async () => {
      const { client: refusing } = await clientFor((_request, response) =>
        reply(response, 200, { results: [{ statement_id: 0, error: 'error parsing query' }] }),
      );
      await expect(refusing.query('pulse', ['SELEC 1'])).rejects.toBeInstanceOf(InfluxQueryError);
      const { client: unauthorised } = await clientFor((_request, response) =>
        reply(response, 401, { error: 'authorization failed' }),
      );
      await expect(unauthorised.query('pulse', ['SELECT 1'])).rejects.toThrow(
        /HTTP 401.*authorization failed/,
      );
      const { client: html } = await clientFor((_request, response) => reply(response, 200, '<html>'));
      await expect(html.query('pulse', ['SELECT 1'])).rejects.toBeInstanceOf(InfluxQueryError);
    });

    it('answers an empty result for a database that does not exist yet', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 200, { results: [{ statement_id: 0, error: 'database not found: pulse' }] }),
      );
      await expect(client.query('pulse', ['SELECT 1'])).resolves.toEqual([[]]);
    });

    it('answers empty results for every statement of a database that does not exist yet', async () => {
      // What InfluxDB 1.x answers: the statements after the first are "not executed".
      const { client } = await clientFor((_request, response) =>
        reply(response, 200, {
          results: [
            { statement_id: 0, error: 'database not found: pulse' },
            { statement_id: 1, error: 'not executed' },
            { statement_id: 2, error: 'not executed' },
          ],
        }),
      );
      await expect(client.query('pulse', ['SELECT 1', 'SELECT 2', 'SELECT 3'])).resolves.toEqual([
        [],
        [],
        [],
      ]);
    });

    it('answers empty results when InfluxDB 1.6 only says "not executed" for a missing database', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 200, { results: [{ statement_id: 0, error: 'not executed' }] }),
      );
      await expect(client.query('pulse', ['SELECT 1', 'SELECT 2'])).resolves.toEqual([[], []]);
    });

    it('still fails when a statement failed and the rest were not executed', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 200, {
          results: [
            { statement_id: 0, error: 'error parsing query' },
            { statement_id: 1, error: 'not executed' },
          ],
        }),
      );
      await expect(client.query('pulse', ['SELECT 1', 'SELECT 2'])).rejects.toBeInstanceOf(InfluxQueryError);
    });
  });

  describe('database commands', () => {
    it('POSTs CREATE and DROP DATABASE with the name quoted, and lists the databases', async () => {
      const { client, server } = await clientFor((request, response) =>
        reply(
          response,
          200,
          new URLSearchParams(request.body).get('q') === 'SHOW DATABASES'
            ? {
                results: [
                  {
                    statement_id: 0,
                    series: [{ name: 'databases', columns: ['name'], values: [['_internal'], ['pulse']] }],
                  },
                ],
              }
            : { results: [{ statement_id: 0 }] },
        ),
      );
      await client.createDatabase('pulse "x"\\');
      await client.dropDatabase('old');
      await expect(client.listDatabases()).resolves.toEqual(['_internal', 'pulse']);
      expect(server.requests.map((request) => [request.method, request.url])).toEqual([
        ['POST', '/query'],
        ['POST', '/query'],
        ['POST', '/query'],
      ]);
      expect(server.requests.map((request) => new URLSearchParams(request.body).get('q'))).toEqual([
        'CREATE DATABASE "pulse \\"x\\"\\\\"',
        'DROP DATABASE "old"',
        'SHOW DATABASES',
      ]);
    });

    it('fails on a refused statement, also inside a 200 answer', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 200, { results: [{ statement_id: 0, error: 'requires admin privilege' }] }),
      );
      const failure = await client.createDatabase('pulse').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InfluxQueryError);
      expect(failure).toMatchObject({ status: 200, detail: 'requires admin privilege' });
    });
  });

  describe('write', () => {
    const lines = ['m,t=a f=1i 1', 'm,t=b f=2i 2'];

    it('v1: POSTs gzipped lines to /write with the database, ms precision and the token', async () => {
      const { client, server } = await clientFor((_request, response) => reply(response, 204), {
        token: 'w',
      });
      await client.write({ api: 'v1', database: 'pulse "x"' }, lines);
      expect(server.requests).toEqual([
        expect.objectContaining({
          method: 'POST',
          url: '/write?db=pulse+%22x%22&precision=ms',
          body: 'm,t=a f=1i 1\nm,t=b f=2i 2',
        }),
      ]);
      expect(server.requests[0]?.headers).toMatchObject({
        authorization: 'Token w',
        'content-encoding': 'gzip',
        'content-type': 'text/plain; charset=utf-8',
      });
    });

    it('v2: POSTs to /api/v2/write with org, bucket and ms precision; uncompressed when asked', async () => {
      const { client, server } = await clientFor((_request, response) => reply(response, 204));
      await client.write({ api: 'v2', org: 'acme', bucket: 'pulse' }, lines, { gzip: false });
      expect(server.requests[0]?.url).toBe('/api/v2/write?org=acme&bucket=pulse&precision=ms');
      expect(server.requests[0]?.headers['content-encoding']).toBeUndefined();
      expect(server.requests[0]?.body).toBe('m,t=a f=1i 1\nm,t=b f=2i 2');
    });

    it('runs beforeSend right before the request; if it throws, nothing is sent', async () => {
      const { client, server } = await clientFor((_request, response) => reply(response, 204));
      const refusal = new Error('stale');
      await expect(
        client.write({ api: 'v1', database: 'pulse' }, lines, {
          beforeSend: () => {
            throw refusal;
          },
        }),
      ).rejects.toBe(refusal);
      expect(server.requests).toEqual([]);
    });

    it.each([
      [400, InfluxRejectedError],
      [413, InfluxRejectedError],
      [422, InfluxRejectedError],
      [401, InfluxUnavailableError],
      [403, InfluxUnavailableError],
      [429, InfluxUnavailableError],
      [500, InfluxUnavailableError],
      [503, InfluxUnavailableError],
    ])('classifies HTTP %i as %p', async (status, kind) => {
      const { client } = await clientFor((_request, response) =>
        reply(response, status, { error: 'x' }, { 'retry-after': '3' }),
      );
      const failure = await client
        .write({ api: 'v1', database: 'pulse' }, lines)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(kind);
      if (failure instanceof InfluxUnavailableError) expect(failure.retryAfterMs).toBe(3_000);
    });

    it('says when the database does not exist (the writer creates it again)', async () => {
      const { client } = await clientFor((_request, response) =>
        reply(response, 404, { error: 'database not found: "pulse"' }),
      );
      await expect(client.write({ api: 'v1', database: 'pulse' }, lines)).rejects.toBeInstanceOf(
        InfluxDatabaseNotFoundError,
      );
    });

    it('gives up after the timeout even while the answer trickles in', async () => {
      // A timeout that measured inactivity would wait forever for one byte every 100 ms.
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
        const client = new InfluxClient({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          timeoutMs: 500,
        });
        const started = Date.now();
        await expect(client.write({ api: 'v2', org: 'o', bucket: 'b' }, lines)).rejects.toBeInstanceOf(
          InfluxUnavailableError,
        );
        expect(Date.now() - started).toBeLessThan(1_500);
      } finally {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    }, 5_000);

    it('reports an unreachable InfluxDB as unavailable', async () => {
      const client = new InfluxClient({ url: 'http://127.0.0.1:9', timeoutMs: 2_000 });
      await expect(client.write({ api: 'v2', org: 'o', bucket: 'b' }, lines)).rejects.toBeInstanceOf(
        InfluxUnavailableError,
      );
    });
  });
});
