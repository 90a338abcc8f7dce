import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessSpec {
  /** Short name used in messages and as the log file's stem. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; the process never writes to our terminal. */
  logFile: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children started and not yet exited, for a launcher that must quit at once. */
const live = new Set<ManagedProcess>();

/**
 * Kills every child still running, each with its process group, without waiting: for a launcher
 * quitting at once (a second Ctrl-C). The children run detached, so nothing else would stop them.
 * Returns how many were signalled.
 */
export function killLiveProcesses(): number {
  let signalled = 0;
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
      signalled += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  return signalled;
}

/**
 * One child process we started and therefore may stop. It runs in its own process group, so a
 * Ctrl-C in the terminal reaches only us and we stop children in our own order (by PID).
 */
export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;

  private constructor(
    readonly spec: ProcessSpec,
    readonly pid: number,
    exited: Promise<ProcessExit>,
  ) {
    this.exited = exited.then((exit) => {
      this.exit = exit;
      return exit;
    });
  }

  static start(spec: ProcessSpec): ManagedProcess {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const log = openSync(spec.logFile, 'a');
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', log, log],
        detached: true,
      });
      const exited = new Promise<ProcessExit>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', () => resolve({ code: -1, signal: null }));
      });
      if (child.pid === undefined) {
        throw new Error(`could not start ${spec.name}: ${spec.command} ${spec.args.join(' ')}`);
      }
      const started = new ManagedProcess(spec, child.pid, exited);
      live.add(started);
      void started.exited.then(() => live.delete(started));
      return started;
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(log);
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitStatus(): ProcessExit | undefined {
    return this.exit;
  }

  /** SIGTERM (the services drain and commit on it), then SIGKILL if it outlives `timeoutMs`. */
  async stop({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    signal(this.pid, 'SIGTERM');
    const timedOut = Symbol('timeout');
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.exited,
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== timedOut) return outcome;
    signal(this.pid, 'SIGKILL');
    return this.exited;
  }

  /** Sends `name` (by default SIGKILL: no chance to drain) and waits for the exit. */
  async kill(name: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    signal(this.pid, name);
    return this.exited;
  }

  /** The last lines of the process's log, for error messages. */
  logTail(lines = 30): string {
    return tailOf(this.spec.logFile, lines);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // ESRCH: it exited between our check and the signal — that is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
