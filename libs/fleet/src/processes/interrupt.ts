import { killLiveProcesses } from './managed-process';

export interface InterruptOptions {
  /** What counts as an interrupt (default SIGINT and SIGTERM). */
  signals?: readonly NodeJS.Signals[];
  /** Said on the first one, e.g. what will still be finished. */
  onFirst?: () => void;
  /** Said on the second one, with how many processes were killed. */
  write?: (line: string) => void;
  /** How the launcher ends on the second one (tests replace it). */
  exit?: (code: number) => void;
}

/**
 * A launcher's two-step stop: the first interrupt aborts the returned signal, so the launcher
 * finishes what it holds (stops its services in order, cleans up, reports); the second kills every
 * process it started, without draining, and exits 130 (what they had not committed is read again).
 */
export function stopOnInterrupt(options: InterruptOptions = {}): AbortSignal {
  const stop = new AbortController();
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = () => {
    if (stop.signal.aborted) {
      const killed = killLiveProcesses();
      write(`\nquitting at once: ${killed} process(es) killed`);
      exit(130);
      return;
    }
    options.onFirst?.();
    stop.abort();
  };
  for (const signal of options.signals ?? ['SIGINT', 'SIGTERM']) process.on(signal, onSignal);
  return stop.signal;
}
