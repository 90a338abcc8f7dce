/**
 * `AbortSignal.timeout(ms)` for an outbound request, except that an answer which has already
 * arrived wins over the timeout.
 *
 * After the process was paused (a long GC, SIGSTOP, a throttled container, a suspended VM)
 * every overdue timer fires in the event loop's timers phase, before the poll phase reads the
 * sockets: an answer the server sent during the pause would be thrown away and the request
 * reported as timed out, though it succeeded — and the caller would then do the work again (post
 * a Slack message twice, rewrite data). Aborting from the check phase, one turn later, lets the
 * poll phase deliver what is already there first.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    setImmediate(() =>
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    );
  }, ms);
  // Like AbortSignal.timeout: a pending timeout does not keep the process alive.
  timer.unref();
  return controller.signal;
}
