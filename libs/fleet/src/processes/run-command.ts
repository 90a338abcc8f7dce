import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, as the command wrote them. */
  output: string;
}

export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(
      `\`${command}\` ${result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`}` +
        (result.output.trim() === ''
          ? ''
          : `:\n${result.output.trimEnd().split('\n').slice(-30).join('\n')}`),
    );
  }
}

/**
 * Runs a command to completion (a build step, a CLI call) and fails with its output when it
 * does not exit 0. `echo` receives the output as it arrives, e.g. to show progress.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; echo?: (chunk: string) => void },
): Promise<CommandResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    options.echo?.(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const result = await new Promise<CommandResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
  if (result.code !== 0) throw new CommandFailedError([command, ...args].join(' '), result);
  return result;
}
