import { InfluxClient } from './influx-client';
import { InfluxRejectedError, InfluxUnavailableError } from './influx-errors';
import { InfluxLineWriter } from './line-writer';
// @pulse/testing builds on @pulse/influx; its fake InfluxDB is a test-only import (the cycle libs/kafka's specs accept too).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { fakeInflux, reply, type FakeInflux, type SeenRequest } from '@pulse/testing';

const lines = ['m,t=a f=1i 1', 'm,t=b f=2i 2', 'm,t=c f=3i 3'];
const isCommand = (request: SeenRequest) => request.url.startsWith('/query');

describe('InfluxLineWriter', () => {
  let server: FakeInflux | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const writerFor = async (
    answer: (request: SeenRequest) => { status: number; body?: unknown },
    api: 'v1' | 'v2' = 'v1',
    batchLines = 2,
  ) => {
    server = await fakeInflux((request, response) => {
      const { status, body } = answer(request);
      reply(response, status, body);
    });
    const client = new InfluxClient({ url: server.url, timeoutMs: 2_000 });
    const target =
      api === 'v1' ? ({ api, database: 'pulse' } as const) : ({ api, org: 'o', bucket: 'b' } as const);
    return { writer: new InfluxLineWriter(client, { target, batchLines }), requests: server.requests };
  };

  it('v1: creates the database once, then writes in batches', async () => {
    const { writer, requests } = await writerFor((request) =>
      isCommand(request) ? { status: 200, body: { results: [{ statement_id: 0 }] } } : { status: 204 },
    );
    await writer.write(lines);
    await writer.write(['m f=4i 4']);
    await writer.write([]);
    expect(requests.map((request) => (isCommand(request) ? 'create' : request.body))).toEqual([
      'create',
      'm,t=a f=1i 1\nm,t=b f=2i 2',
      'm,t=c f=3i 3',
      'm f=4i 4',
    ]);
  });

  it('v2: creates nothing, the bucket is the operator’s', async () => {
    const { writer, requests } = await writerFor(() => ({ status: 204 }), 'v2');
    await writer.write(lines);
    expect(requests.map((request) => request.url)).toEqual([
      '/api/v2/write?org=o&bucket=b&precision=ms',
      '/api/v2/write?org=o&bucket=b&precision=ms',
    ]);
  });

  it('creates the database again after InfluxDB answered "database not found"', async () => {
    let dropped = true;
    const { writer, requests } = await writerFor((request) => {
      if (isCommand(request)) return { status: 200, body: { results: [{ statement_id: 0 }] } };
      if (dropped) {
        dropped = false;
        return { status: 404, body: { error: 'database not found: "pulse"' } };
      }
      return { status: 204 };
    });
    await expect(writer.write(['m f=1i 1'])).rejects.toBeInstanceOf(InfluxUnavailableError);
    await writer.write(['m f=1i 1']);
    expect(requests.map((request) => (isCommand(request) ? 'create' : 'write'))).toEqual([
      'create',
      'write',
      'create',
      'write',
    ]);
  });

  it.each([
    ['a 403 (no rights yet)', 403, { error: 'requires admin privilege' }, InfluxUnavailableError],
    [
      'an error inside a 200 answer',
      200,
      { results: [{ statement_id: 0, error: 'boom' }] },
      InfluxUnavailableError,
    ],
    ['a 400', 400, { error: 'error parsing query' }, InfluxRejectedError],
  ])(
    'fails a write whose CREATE DATABASE got %s as a write answered so',
    async (_what, status, body, kind) => {
      let created = false;
      const { writer, requests } = await writerFor((request) => {
        if (!isCommand(request)) return { status: 204 };
        if (created) return { status: 200, body: { results: [{ statement_id: 0 }] } };
        created = true;
        return { status, body };
      });
      await expect(writer.write(lines)).rejects.toBeInstanceOf(kind);
      expect(requests.filter((request) => !isCommand(request))).toEqual([]);
      // Tried again with the next write.
      await writer.write(lines);
      expect(requests.filter(isCommand)).toHaveLength(2);
    },
  );

  it('runs beforeSend before every batch; a refusal sends nothing more', async () => {
    const { writer, requests } = await writerFor(
      (request) => (isCommand(request) ? { status: 200, body: {} } : { status: 204 }),
      'v1',
      1,
    );
    let checks = 0;
    const refusal = new Error('membership lapsed');
    const failure = await writer
      .write(lines, () => {
        checks += 1;
        if (checks === 2) throw refusal;
      })
      .catch((error: unknown) => error);
    expect(failure).toBe(refusal);
    expect(requests.filter((request) => !isCommand(request)).map((request) => request.body)).toEqual([
      'm,t=a f=1i 1',
    ]);
  });
});
