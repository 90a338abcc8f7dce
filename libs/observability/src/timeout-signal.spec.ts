import { Worker } from 'node:worker_threads';
import { timeoutSignal } from './timeout-signal';

/**
 * An HTTP server on its own thread (so it answers while this thread is blocked). It flags in
 * `state[0]` when a request arrived, and answers `answerAfterMs` later.
 */
async function startServer(answerAfterMs: number) {
  const shared = new SharedArrayBuffer(4);
  const state = new Int32Array(shared);
  const worker = new Worker(
    `
    const { createServer } = require('node:http');
    const { parentPort, workerData } = require('node:worker_threads');
    const state = new Int32Array(workerData.shared);
    const server = createServer((request, response) => {
      Atomics.store(state, 0, 1);
      setTimeout(() => response.end('ok'), workerData.answerAfterMs);
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    `,
    { eval: true, workerData: { shared, answerAfterMs } },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { url: `http://127.0.0.1:${port}/`, state, stop: () => worker.terminate() };
}

/** What a process pause does to this thread: nothing runs for `ms`. */
function pause(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the event loop cannot turn
  }
}

async function untilFlagged(state: Int32Array): Promise<void> {
  while (Atomics.load(state, 0) === 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('timeoutSignal', () => {
  it('lets an answer that arrived while the process was paused win over the overdue timeout', async () => {
    const server = await startServer(20);
    try {
      for (let attempt = 0; attempt < 10; attempt += 1) {
        Atomics.store(server.state, 0, 0);
        const answer = fetch(server.url, { signal: timeoutSignal(100) }).then((response) => response.text());
        await untilFlagged(server.state);
        pause(300); // the answer comes 20 ms in; the timeout falls due 100 ms in
        await expect(answer).resolves.toBe('ok');
      }
    } finally {
      await server.stop();
    }
  });

  it('still aborts a request that gets no answer in time, as a TimeoutError', async () => {
    const server = await startServer(5_000);
    try {
      const started = Date.now();
      const failure = await fetch(server.url, { signal: timeoutSignal(150) }).catch(
        (error: unknown) => error,
      );
      expect((failure as Error).name).toBe('TimeoutError');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await server.stop();
    }
  });
});
