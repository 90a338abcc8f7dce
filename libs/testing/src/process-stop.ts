import { readFileSync, readdirSync } from 'node:fs';

/** The state letter of a /proc/…/stat file: R, S, D… and T while stopped. */
function stateIn(statPath: string): string {
  const stat = readFileSync(statPath, 'utf8');
  // The command name, in parentheses, may itself hold spaces or parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
}

/** The state letter of each thread of a process (Linux), one per task. */
export function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => stateIn(`/proc/${pid}/task/${tid}/stat`));
}

const STOP_TIMEOUT_MS = 5_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * SIGSTOP, returning only once every thread of the process is stopped. The kernel delivers the
 * signal asynchronously: `kill` returns while the target may still run for a moment (a thread
 * on another core, or one woken from a wait to take the signal). A caller that freezes a process
 * to hold a request in flight must not let the answer go out before the process is stopped.
 * Synchronous, so that a caller in an event handler keeps the event loop until then.
 */
export function stopProcess(pid: number, timeoutMs = STOP_TIMEOUT_MS): void {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = threadStates(pid);
    if (states.every((state) => state === 'T')) return;
    if (Date.now() >= deadline) {
      throw new Error(`process ${pid} not stopped ${timeoutMs} ms after SIGSTOP: threads ${states.join('')}`);
    }
    Atomics.wait(pause, 0, 0, 1);
  }
}

/** SIGCONT: the kernel resumes a stopped process as the signal is sent. */
export function continueProcess(pid: number): void {
  process.kill(pid, 'SIGCONT');
}
