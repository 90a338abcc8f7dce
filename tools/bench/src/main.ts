import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommanderError } from 'commander';
import { stopOnInterrupt } from '@pulse/fleet';
import { parseBenchArgs, type BenchOptions } from './cli/options';
import { renderProfiles, renderTable } from './report/table';
import { runBench } from './run-bench';

async function main(): Promise<number> {
  // Children inherit it: the services' producers pass a partitioner, ours need not warn either.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  // First Ctrl-C: finish the cell in hand (its processes and topics are cleaned up), then report.
  // Second: quit at once, killing the processes of the cell (its topics stay; `--keep` style).
  const stop = stopOnInterrupt({
    onFirst: () => process.stderr.write('\nstopping after the current cell (Ctrl-C again to quit at once)\n'),
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const report = await runBench(options, log, stop);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderTable(report.summary)}${renderProfiles(report.runs)}\n`);
  if (report.notes.length > 0)
    process.stdout.write(`\nnotes:\n${report.notes.map((note) => `  - ${note}`).join('\n')}\n`);
  process.stdout.write(`\nresults: ${options.out}\n`);
  return report.runs.some((run) => run.kind === 'failed') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
