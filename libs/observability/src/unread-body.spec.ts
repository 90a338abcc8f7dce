import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { lingerOnUnreadBodies } from './unread-body';

const LIMIT = 1_024;
const UPLOAD = 4 * 1024 * 1024;

/** A real socket, so the test sees what the kernel does with unread bytes (inject would not). */
async function openUpload(
  port: number,
  contentLength: number,
): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(
    `POST /upload HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: ${contentLength}\r\n\r\n`,
  );
  return { socket, received: () => text };
}

/** Writes `bytes` in 64 KiB chunks, pausing between them, while the connection lasts. */
async function writeSlowly(socket: Socket, bytes: number): Promise<{ sent: number; error?: Error }> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let error: Error | undefined;
  socket.once('error', (failure: Error) => (error = failure));
  let sent = 0;
  while (sent < bytes && error === undefined && !socket.destroyed) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
    socket.write(part);
    sent += part.length;
    await sleep(5);
  }
  await sleep(50);
  return {
    sent,
    ...(error === undefined && !socket.destroyed ? {} : { error: error ?? new Error('closed') }),
  };
}

describe('lingerOnUnreadBodies', () => {
  let fastify: FastifyInstance;
  let port: number;
  let serverSocket: Socket | undefined;

  async function start(linger: boolean, lingerMs = 2_000): Promise<void> {
    fastify = Fastify({ bodyLimit: LIMIT });
    if (linger) lingerOnUnreadBodies(fastify, lingerMs);
    fastify.post('/upload', async () => ({ ok: true }));
    fastify.server.on('connection', (socket: Socket) => (serverSocket = socket));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    port = (fastify.server.address() as { port: number }).port;
  }

  afterEach(async () => {
    await fastify.close();
  });

  it('lets a client that is still uploading finish and read the 413, on a connection that stays usable', async () => {
    await start(true);
    const { socket, received } = await openUpload(port, UPLOAD);
    const closeListeners = serverSocket!.listenerCount('close');
    expect(await writeSlowly(socket, UPLOAD)).toEqual({ sent: UPLOAD });
    expect(received()).toMatch(/^HTTP\/1\.1 413 /);
    // Nothing of the refused request stays on the kept-alive socket.
    expect(serverSocket!.listenerCount('close')).toBe(closeListeners);
    expect(received()).not.toMatch(/connection: close/i);
    // The same connection takes the next request.
    socket.write(
      'POST /upload HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
    );
    await sleep(200);
    expect(received()).toMatch(/HTTP\/1\.1 200 /);
    socket.destroy();
  });

  it('without it, the same upload is cut off: the reason the hook exists', async () => {
    await start(false);
    const { socket } = await openUpload(port, UPLOAD);
    const upload = await writeSlowly(socket, UPLOAD);
    expect(upload.error).toBeDefined();
    expect(upload.sent).toBeLessThan(UPLOAD);
    socket.destroy();
  });

  it('cuts a connection whose body is still arriving after the linger time', async () => {
    await start(true, 300);
    const { socket, received } = await openUpload(port, UPLOAD);
    socket.write(Buffer.alloc(10_000, 0x20)); // then nothing more
    const started = Date.now();
    await once(socket, 'close');
    expect(received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('leaves answers to fully read requests alone, injected ones included (no timer is left behind)', async () => {
    const request = { method: 'POST', url: '/upload', payload: { a: 1 } } as const;
    await start(false);
    const untouched = await fastify.inject(request);
    await fastify.close();
    await start(true);
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      const response = await fastify.inject(request);
      expect(response.statusCode).toBe(200);
      expect(response.headers.connection).toBe(untouched.headers.connection);
      expect(timers.mock.calls.filter(([, ms]) => ms === 2_000)).toEqual([]);
    } finally {
      timers.mockRestore();
    }
  });
});
