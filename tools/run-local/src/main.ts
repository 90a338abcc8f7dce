import { CommanderError } from 'commander';
import { parseRunLocalArgs } from './cli';
import { findRepoRoot, stopOnInterrupt } from '@pulse/fleet';
import { runPaths } from './paths';
import { LocalRun } from './run-local';

async function main(): Promise<number> {
  let options;
  try {
    options = parseRunLocalArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  // The terminal going away (SIGHUP) stops the run as a Ctrl-C does.
  const stop = stopOnInterrupt({ signals: ['SIGINT', 'SIGTERM', 'SIGHUP'] });
  // Do not die writing to a terminal that went away.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const run = new LocalRun(runPaths(findRepoRoot(__dirname)), options, {
    step: (line) => process.stderr.write(`[pulse] ${line}\n`),
    detail: (chunk) => process.stderr.write(chunk),
    stream: process.stdout,
  });
  return run.execute(stop);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[pulse] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
