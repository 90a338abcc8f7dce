import type { FastifyInstance } from 'fastify';

/** How long a refused request's body is read and dropped before the connection is cut. */
export const UNREAD_BODY_LINGER_MS = 10_000;

/**
 * A lingering close for answers sent before the request body was read: 413 for a Content-Length
 * over the limit, 401 before a large upload, 415… Fastify marks those `Connection: close`, and
 * Node then closes the socket with the rest of the body unread: the kernel answers the client's
 * next bytes with a reset, which discards the response the client has not read yet, so it sees
 * "EPIPE"/"socket hang up" instead of the 413 and its reason. Here the connection stays open
 * while Node reads and drops the rest of the body, so the client reads the answer; a body still
 * arriving after `lingerMs` has its connection cut, as before.
 */
export function lingerOnUnreadBodies(fastify: FastifyInstance, lingerMs = UNREAD_BODY_LINGER_MS): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    // `readableEnded`: a body read to its end needs no lingering, though an injected request
    // (light-my-request) never sets `complete` and has a socket that cannot be destroyed.
    if (!raw.complete && !raw.readableEnded && !raw.destroyed) {
      reply.removeHeader('connection');
      const socket = raw.socket;
      const cut = setTimeout(() => socket.destroy(), lingerMs);
      cut.unref();
      // Keep-alive: later requests reuse the socket, so nothing of this one may stay on it.
      const stop = (): void => {
        clearTimeout(cut);
        raw.off('end', stop);
        socket.off('close', stop);
      };
      raw.once('end', stop);
      socket.once('close', stop);
      raw.resume();
    }
    done(null, payload);
  });
}
