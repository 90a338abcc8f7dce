import { CommanderError } from 'commander';
import { parseRunLocalArgs } from './cli';
import { findRepoRoot, killLiveProcesses } from '@pulse/fleet';
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
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) {
      // The services are killed without draining; what they had not committed is read again.
      const killed = killLiveProcesses();
      process.stderr.write(`\nquitting at once: ${killed} process(es) killed\n`);
      process.exit(130);
    }
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: stop as on Ctrl-C, and do not die writing to it meanwhile.
  process.on('SIGHUP', onSignal);
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const run = new LocalRun(runPaths(findRepoRoot(__dirname)), options, {
    step: (line) => process.stderr.write(`[pulse] ${line}\n`),
    detail: (chunk) => process.stderr.write(chunk),
    stream: process.stdout,
  });
  return run.execute(stop.signal);
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
