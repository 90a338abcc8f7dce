import { join } from 'node:path';
import { CommandFailedError, runCommand, type CommandResult } from '@pulse/fleet';

const COMPONENTS = ['influxdb', 'nats', 'kafka'] as const;

/** The local stack (deploy/local) as this run found it, and how to undo what this run started. */
export interface StackSession {
  /** Components this run started (they were down before); the rest were already up. */
  started: readonly string[];
  /** Stops what this run started, nothing else. */
  stop(): Promise<void>;
}

/** Components reported `up` by `stack.sh status` (one line per component). */
export function upComponents(statusOutput: string): string[] {
  return statusOutput
    .split('\n')
    .map((line) => /^(\S+)\s+\S+\s+up\b/.exec(line.trim())?.[1])
    .filter((name): name is string => name !== undefined && (COMPONENTS as readonly string[]).includes(name));
}

/**
 * `deploy/local/stack.sh up`: installs what is missing (Debian packages, Kafka's jars), starts
 * what is not running and waits until it is ready. Idempotent, so a stack that is already up is
 * simply reused (and left running at the end).
 */
export async function ensureStack(repoRoot: string, echo: (chunk: string) => void): Promise<StackSession> {
  const script = join(repoRoot, 'deploy', 'local', 'stack.sh');
  const before = new Set(upComponents((await status(script, repoRoot)).output));
  await runCommand('bash', [script, 'up'], { cwd: repoRoot, echo });
  const started = COMPONENTS.filter((name) => !before.has(name));
  return {
    started,
    async stop() {
      // Reverse start order: Kafka first, it takes longest.
      for (const name of [...started].reverse()) {
        await runCommand('bash', [join(repoRoot, 'deploy', 'local', `${name}.sh`), 'down'], {
          cwd: repoRoot,
          echo,
        });
      }
    },
  };
}

async function status(script: string, cwd: string): Promise<CommandResult> {
  try {
    return await runCommand('bash', [script, 'status'], { cwd });
  } catch (error) {
    // Exit 3 = not everything is up; the output still says what is.
    if (error instanceof CommandFailedError) return error.result;
    throw error;
  }
}
