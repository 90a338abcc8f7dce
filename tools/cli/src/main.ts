import type { CommandModule } from './cli';
import { runCli } from './cli';
import * as apiKey from './commands/api-key';
import * as dlq from './commands/dlq';
import * as reference from './commands/reference';
import * as reprocess from './commands/reprocess';
import * as sampleData from './commands/sample-data';
import * as topics from './commands/topics';

/** Every command of `pulse`; a new command is a file in commands/ with `register`, listed here. */
const COMMANDS: readonly CommandModule[] = [topics, reference, apiKey, sampleData, dlq, reprocess];

void runCli(COMMANDS, process.argv, {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
