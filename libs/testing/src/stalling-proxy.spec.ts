import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StallingProxy } from './stalling-proxy';

/** Posts `body` and gives up after `timeoutMs`, as a client with a request timeout does. */
function post(url: string, body: string, timeoutMs: number): Promise<number | 'timeout'> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', () => resolve('timeout'));
    req.end(body);
  });
}

describe('StallingProxy', () => {
  let server: Server;
  const received: string[] = [];
  let proxy: StallingProxy;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = await StallingProxy.start({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  });

  afterAll(async () => {
    await proxy.close();
    server.close();
  });

  it('passes requests through, holds them while told, then delivers them newest first', async () => {
    expect(await post(proxy.url, 'before', 2_000)).toBe(200);
    proxy.hold();
    const given = [];
    for (const body of ['first', 'second', 'third']) {
      given.push(await post(proxy.url, body, 100));
      await sleep(10);
    }
    expect(given).toEqual(['timeout', 'timeout', 'timeout']);
    await sleep(1_500); // held longer than a server would keep an idle connection open, if it closes them
    expect(received).toEqual(['before']);
    expect(await proxy.release()).toBe(3);
    expect(received).toEqual(['before', 'third', 'second', 'first']);
    expect(await post(proxy.url, 'after', 2_000)).toBe(200);
    expect(received.at(-1)).toBe('after');
  });

  it('spaces the held requests out when asked, letting new ones through meanwhile', async () => {
    received.length = 0;
    proxy.hold();
    for (const body of ['old', 'new']) await post(proxy.url, body, 100);
    const releasing = proxy.release({ gapMs: 500 });
    await sleep(200);
    expect(await post(proxy.url, 'retry', 2_000)).toBe(200);
    await releasing;
    expect(received).toEqual(['new', 'retry', 'old']);
  });
});
