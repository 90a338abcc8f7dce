import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GeneratedItem } from '../scenarios/generated-item';
import { FatalSendError, HttpBatchSink } from './http-batch-sink';

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Ingestion's batch endpoint, answering from a script; records when each request came. */
async function fakeIngestion(answers: Answer[]): Promise<{ url: string; times: number[]; server: Server }> {
  const times: number[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      times.push(Date.now());
      const answer = answers.shift() ?? { status: 500 };
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, times, server };
}

const batch = [{ line: '{"id":"a"}' }, { line: '{"id":"b"}' }] as unknown as GeneratedItem[];
const accepted = { accepted: [{ index: 0 }], rejected: [{ index: 1 }] };

describe('HttpBatchSink', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  it("retries what the API calls temporary, waiting its Retry-After, then takes the batch's outcomes", async () => {
    const ingestion = await fakeIngestion([
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 202, body: accepted },
    ]);
    server = ingestion.server;
    const sink = new HttpBatchSink({ target: ingestion.url, apiKey: 'k' });
    expect(await sink.send(batch)).toEqual(['accepted', 'rejected']);
    expect(ingestion.times[1]! - ingestion.times[0]!).toBeGreaterThanOrEqual(950);
    expect(sink.stats).toMatchObject({ requests: 2, retried: 1, failed: 0 });
    expect(sink.stats.lastError).toContain('HTTP 503');
  });

  it('counts the batch as failed after its attempts, without throwing', async () => {
    const ingestion = await fakeIngestion([{ status: 500 }, { status: 502 }, { status: 429 }]);
    server = ingestion.server;
    const sink = new HttpBatchSink({ target: ingestion.url, apiKey: undefined, maxAttempts: 3 });
    expect(await sink.send(batch)).toEqual(['failed', 'failed']);
    expect(sink.stats).toMatchObject({ requests: 3, retried: 2, failed: 1 });
  });

  it('stops the run on an answer no retry can fix', async () => {
    const ingestion = await fakeIngestion([{ status: 401, body: { message: 'unknown key' } }]);
    server = ingestion.server;
    const sink = new HttpBatchSink({ target: ingestion.url, apiKey: 'wrong' });
    await expect(sink.send(batch)).rejects.toBeInstanceOf(FatalSendError);
    expect(sink.stats.requests).toBe(1);
  });
});
