import { readFileSync } from 'node:fs';
import { benchCompression } from '../infra/compression';
import { join } from 'node:path';
import { runCommand } from '@pulse/fleet';
import { feederResultSchema, type FeederJob, type FeederResult } from '../feed/feeder-protocol';
import { entryPoint, type CellNames, type RunContext } from '../run-context';

/** Writes `count` events to `topic` as fast as Kafka takes them (the feeder's burst mode). */
export async function burstFeed(
  context: RunContext,
  names: CellNames,
  topic: string,
  count: number,
): Promise<FeederResult> {
  const resultFile = join(context.workDir, `${names.label}-burst-feeder.json`);
  const job: FeederJob = {
    brokers: context.options.brokers,
    topic,
    compression: benchCompression(context.options),
    corpusFile: context.corpus.file,
    mode: 'burst',
    rate: 1,
    durationMs: 0,
    count,
    runTag: `${names.label}-burst`,
    resultFile,
  };
  await runCommand(
    context.nodeBinary,
    [entryPoint(context.repoRoot, 'tools', 'bench', 'src', 'feed', 'feeder-main.js'), JSON.stringify(job)],
    {
      cwd: context.repoRoot,
    },
  );
  const result = feederResultSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')));
  if (result.acknowledged < count)
    throw new Error(
      `the feeder wrote only ${result.acknowledged} of ${count} events: ${result.errors.join('; ')}`,
    );
  return result;
}
