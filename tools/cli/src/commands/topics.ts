import type { Command } from 'commander';
import { env, loadConfig } from '@pulse/config';
import { declaredTopics } from '@pulse/kafka';
import { positiveInt, type CliContext } from '../cli';
import { withKafka } from '../kafka-context';

const layoutSchema = {
  PULSE_TOPIC_PARTITIONS: env.int('partitions of each Pulse topic', { default: 6, min: 1, max: 10_000 }),
  PULSE_TOPIC_REPLICATION_FACTOR: env.int('replicas of each partition', { default: 1, min: 1, max: 32 }),
} as const;

interface EnsureOptions {
  partitions?: number;
  replicationFactor?: number;
}

export function register(program: Command, context: CliContext): void {
  const topics = program.command('topics').description('Kafka topics of Pulse');
  topics
    .command('ensure')
    .description(
      'Create the missing Pulse topics (events, reference data, metrics, alerts, dead-letter) with their\n' +
        'partitions, replication and cleanup policy; verify the existing ones. Safe to run again.\n' +
        'Names get PULSE_TOPIC_PREFIX in front. A topic with fewer partitions or another cleanup\n' +
        'policy than declared is an error to resolve by hand (Kafka cannot shrink partitions).',
    )
    .option(
      '--partitions <n>',
      'partitions per topic (env PULSE_TOPIC_PARTITIONS, default 6)',
      positiveInt('--partitions'),
    )
    .option(
      '--replication-factor <n>',
      'replicas per partition (env PULSE_TOPIC_REPLICATION_FACTOR, default 1)',
      positiveInt('--replication-factor'),
    )
    .action(async (options: EnsureOptions) => {
      const layout = loadConfig(layoutSchema, context.env);
      await withKafka(context, async (kafka) => {
        const specs = declaredTopics({
          prefix: kafka.config.PULSE_TOPIC_PREFIX,
          partitions: options.partitions ?? layout.PULSE_TOPIC_PARTITIONS,
          replicationFactor: options.replicationFactor ?? layout.PULSE_TOPIC_REPLICATION_FACTOR,
        });
        const result = await (await kafka.admin()).ensureTopics(specs);
        for (const name of result.created) context.out(`created   ${name}`);
        for (const name of result.existing) context.out(`exists    ${name}`);
      });
    });
}
