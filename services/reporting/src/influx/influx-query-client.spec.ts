import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfluxQueryClient, InfluxQueryError, InfluxUnavailableError } from './influx-query-client';

/** A stand-in InfluxDB whose answer is decided per test. */
async function fakeInflux(answer: (reply: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, reply) => answer(reply));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('InfluxQueryClient', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const clientFor = async (answer: Parameters<typeof fakeInflux>[0], timeoutMs = 2_000) => {
    const { url, server } = await fakeInflux(answer);
    servers.push(server);
    return new InfluxQueryClient({ url, database: 'pulse', timeoutMs });
  };

  it('returns the series of each statement', async () => {
    const client = await clientFor((reply) =>
      reply.end(
        JSON.stringify({
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
      ),
    );
    await expect(client.query(['SELECT 1', 'SELECT 2'])).resolves.toEqual([
      [{ name: 'activity', tags: { region: 'europe' }, rows: [{ time: 1, orders: 3 }] }],
      [],
    ]);
  });

  it('treats a body that stops arriving before the timeout as unavailable (503), not as a crash', async () => {
    // Headers at once, then the body stalls: the timeout fires while the body is being read.
    const client = await clientFor((reply) => {
      reply.writeHead(200, { 'content-type': 'application/json' });
      reply.write('{"results":[');
    }, 200);
    const failure = client.query(['SELECT 1']);
    await expect(failure).rejects.toBeInstanceOf(InfluxUnavailableError);
    await expect(failure).rejects.toThrow(/timeout 200 ms/);
  });

  it('maps an overloaded InfluxDB (HTTP 503) to unavailable and a refused statement to a query error', async () => {
    const busy = await clientFor((reply) => {
      reply.statusCode = 503;
      reply.end('busy');
    });
    await expect(busy.query(['SELECT 1'])).rejects.toBeInstanceOf(InfluxUnavailableError);
    const refusing = await clientFor((reply) =>
      reply.end(JSON.stringify({ results: [{ statement_id: 0, error: 'error parsing query' }] })),
    );
    await expect(refusing.query(['SELEC 1'])).rejects.toBeInstanceOf(InfluxQueryError);
  });

  it('answers an empty result for a database that does not exist yet', async () => {
    const client = await clientFor((reply) =>
      reply.end(JSON.stringify({ results: [{ statement_id: 0, error: 'database not found: pulse' }] })),
    );
    await expect(client.query(['SELECT 1'])).resolves.toEqual([[]]);
  });

  it('answers empty results for every statement of a database that does not exist yet', async () => {
    // What InfluxDB 1.x answers: the statements after the first are "not executed".
    const client = await clientFor((reply) =>
      reply.end(
        JSON.stringify({
          results: [
            { statement_id: 0, error: 'database not found: pulse' },
            { statement_id: 1, error: 'not executed' },
            { statement_id: 2, error: 'not executed' },
          ],
        }),
      ),
    );
    await expect(client.query(['SELECT 1', 'SELECT 2', 'SELECT 3'])).resolves.toEqual([[], [], []]);
  });

  it('answers empty results when InfluxDB 1.6 only says "not executed" for a missing database', async () => {
    const client = await clientFor((reply) =>
      reply.end(JSON.stringify({ results: [{ statement_id: 0, error: 'not executed' }] })),
    );
    await expect(client.query(['SELECT 1', 'SELECT 2'])).resolves.toEqual([[], []]);
  });

  it('still fails when a statement failed and the rest were not executed', async () => {
    const client = await clientFor((reply) =>
      reply.end(
        JSON.stringify({
          results: [
            { statement_id: 0, error: 'error parsing query' },
            { statement_id: 1, error: 'not executed' },
          ],
        }),
      ),
    );
    await expect(client.query(['SELECT 1', 'SELECT 2'])).rejects.toBeInstanceOf(InfluxQueryError);
  });
});
