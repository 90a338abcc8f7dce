import { CommanderError } from 'commander';
import { parseLoadgenArgs } from './cli/options';
import { runLoadgen, summarize } from './run-loadgen';
import { FatalSendError } from './sending/http-batch-sink';

async function main(): Promise<number> {
  let options;
  try {
    options = parseLoadgenArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  // First Ctrl-C/SIGTERM: stop sending, wait for answers, write the ground truth. Second: quit.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping: waiting for the requests in flight, then writing the ground truth\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const truth = await runLoadgen(options, stop.signal);
    process.stdout.write(`${summarize(truth)}\n`);
    if (options.groundTruthFile) process.stdout.write(`ground truth: ${options.groundTruthFile}\n`);
    return truth.events.accepted === 0 && truth.events.sent > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof FatalSendError) {
      process.stderr.write(`loadgen: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `loadgen: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
