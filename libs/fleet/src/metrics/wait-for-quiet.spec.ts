import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForQuiet } from './wait-for-quiet';

describe('waitForQuiet', () => {
  let server: Server;
  let url: string;
  let processed = 0;

  beforeAll(async () => {
    server = createServer((_, response) => {
      response.end(`pulse_kafka_messages_processed_total{topic="events.raw"} ${processed}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns once nothing moves for the given number of readings', async () => {
    processed = 7;
    const figures = await waitForQuiet([{ name: 'enrichment', url }], '', {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(figures.services).toEqual([
      expect.objectContaining({ name: 'enrichment', up: true, processed: { 'events.raw': 7 } }),
    ]);
  });

  it('stops waiting at once when its signal is aborted, with the last reading', async () => {
    // A service that is down never becomes quiet: without the signal this would wait 60 s.
    const down = { name: 'reporting', url: 'http://127.0.0.1:1' };
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    const figures = await waitForQuiet([down], '', {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      signal: stop.signal,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(figures.services).toEqual([expect.objectContaining({ name: 'reporting', up: false })]);
  });
});
