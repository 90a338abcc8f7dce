import { join } from 'node:path';
import { runCommand } from '@pulse/fleet';
import { entryPoint, type CellNames, type RunContext } from '../run-context';

/**
 * Creates a cell run's topics and loads the sample reference data onto them, with the operator
 * CLI (tools/cli) as an operator would, plus the run's InfluxDB database.
 */
export async function prepareCellResources(
  context: RunContext,
  names: CellNames,
  withDatabase: boolean,
): Promise<void> {
  const cli = entryPoint(context.repoRoot, 'tools', 'cli', 'src', 'main.js');
  const env = {
    PULSE_KAFKA_BROKERS: context.options.brokers.join(','),
    PULSE_TOPIC_PREFIX: names.topicPrefix,
  };
  await runCommand(context.nodeBinary, [cli, 'topics', 'ensure'], { cwd: context.repoRoot, env });
  await runCommand(
    context.nodeBinary,
    [
      cli,
      'reference',
      'load',
      '--products',
      join(context.repoRoot, 'deploy/sample-data/products.json'),
      '--customers',
      join(context.repoRoot, 'deploy/sample-data/customers.csv'),
    ],
    { cwd: context.repoRoot, env },
  );
  if (withDatabase) await context.influx.createDatabase(names.database);
}

/** Deletes what a cell run created (unless --keep); failures are reported, never thrown. */
export async function releaseCellResources(
  context: RunContext,
  names: CellNames,
  withDatabase: boolean,
): Promise<void> {
  if (context.options.keep) return;
  const attempts: [string, () => Promise<unknown>][] = [
    ['topics', () => context.kafka.deleteTopicsWithPrefix(names.topicPrefix)],
    ['consumer groups', () => context.kafka.deleteGroupsWithPrefix(names.groupPrefix)],
  ];
  if (withDatabase) attempts.push(['database', () => context.influx.dropDatabase(names.database)]);
  for (const [what, attempt] of attempts) {
    try {
      await attempt();
    } catch (error) {
      context.log(`  could not delete the ${what} of ${names.label}: ${(error as Error).message}`);
    }
  }
}
