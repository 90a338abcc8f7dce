import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfluxQueryClient, InfluxQueryError, InfluxUnavailableError } from './influx-query-client';

// The protocol (statements, missing databases, timeouts, classification) is tested in
// @pulse/influx; this checks what reporting adds: its database, its read token, its errors.
describe('InfluxQueryClient', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const fakeInflux = async (answer: (request: IncomingMessage, reply: ServerResponse) => void) => {
    const server = createServer(answer);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('queries its database with its read token', async () => {
    const seen: IncomingMessage[] = [];
    const url = await fakeInflux((request, reply) => {
      seen.push(request);
      reply.end(JSON.stringify({ results: [{ statement_id: 0 }] }));
    });
    const client = new InfluxQueryClient({ url, database: 'pulse', token: 'read', timeoutMs: 2_000 });
    await expect(client.query(['SELECT 1'])).resolves.toEqual([[]]);
    expect(new URL(seen[0]?.url ?? '', url).searchParams.get('db')).toBe('pulse');
    expect(seen[0]?.headers.authorization).toBe('Token read');
  });

  it('throws the errors the report filter answers as 503 and 500', async () => {
    const busy = await fakeInflux((_request, reply) => {
      reply.statusCode = 503;
      reply.end('busy');
    });
    await expect(
      new InfluxQueryClient({ url: busy, database: 'pulse', timeoutMs: 2_000 }).query(['SELECT 1']),
    ).rejects.toBeInstanceOf(InfluxUnavailableError);
    const refusing = await fakeInflux((_request, reply) =>
      reply.end(JSON.stringify({ results: [{ statement_id: 0, error: 'error parsing query' }] })),
    );
    await expect(
      new InfluxQueryClient({ url: refusing, database: 'pulse', timeoutMs: 2_000 }).query(['SELEC 1']),
    ).rejects.toBeInstanceOf(InfluxQueryError);
  });
});
