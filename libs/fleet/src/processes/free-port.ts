import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for services a test starts as separate
 * processes (they cannot listen on port 0 and tell us, so we pick for them).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
