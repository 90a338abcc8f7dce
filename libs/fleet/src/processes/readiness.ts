import type { ManagedProcess } from './managed-process';

export class NotReadyError extends Error {
  override name = 'NotReadyError';
}

/**
 * Waits until `url` answers 2xx. Fails early, with the end of its log, when the process exits
 * first — a crashed service should not cost the whole timeout.
 */
export async function waitUntilReady(
  process: ManagedProcess,
  url: string,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!process.running) {
      const exit = process.exitStatus;
      throw new NotReadyError(
        `${process.name} exited before it was ready (code ${exit?.code ?? '?'}, signal ${exit?.signal ?? 'none'}); ` +
          `last lines of ${process.spec.logFile}:\n${process.logTail()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new NotReadyError(
    `${process.name} was not ready after ${timeoutMs} ms (${url}: ${last}); last lines of ${process.spec.logFile}:\n` +
      process.logTail(),
  );
}
