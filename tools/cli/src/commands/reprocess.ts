import type { Command } from 'commander';
import { parseDuration } from '@pulse/config';
import { encodeCommitMetadata, replayMetadata } from '@pulse/contracts';
import {
  ConsumerGroupActiveError,
  TOPIC,
  committedOffsets,
  offsetsAtTime,
  resetGroupOffsets,
  type TopicKey,
} from '@pulse/kafka';
import { CliError, type CliContext } from '../cli';
import { withKafka } from '../kafka-context';

/** What each service consumes its traffic from, and its default consumer group. */
export const SERVICE_INPUTS: Readonly<Record<string, { group: string; topic: TopicKey }>> = {
  enrichment: { group: 'pulse-enrichment', topic: 'eventsRaw' },
  aggregation: { group: 'pulse-aggregation', topic: 'eventsEnriched' },
};

interface ReprocessOptions {
  from: string;
  service?: string;
  group?: string;
  topic?: string;
  align: string;
  dryRun?: boolean;
}

/**
 * The start of the window holding `timeMs` (windows are aligned to the epoch): replaying from a
 * window boundary recomputes whole windows instead of overwriting one with a partial count.
 */
export function alignDown(timeMs: number, sizeMs: number): number {
  return timeMs - (((timeMs % sizeMs) + sizeMs) % sizeMs);
}

/**
 * What aggregation (the consumer of events.enriched) must know to replay from `from`: records
 * before the new offsets are all earlier than `from`, but later ones may be stragglers of earlier
 * windows, which a replay would otherwise write over the full counts with partial ones.
 * Other consumers of events.enriched ignore it.
 */
function replayMetadataFor(topicKey: string, from: number): string | null {
  return topicKey === TOPIC.eventsEnriched ? encodeCommitMetadata(replayMetadata(from)) : null;
}

function resolveTarget(options: ReprocessOptions): { group: string; topicKey: string } {
  const input = options.service === undefined ? undefined : SERVICE_INPUTS[options.service];
  if (options.service !== undefined && input === undefined) {
    throw new CliError(`--service must be one of ${Object.keys(SERVICE_INPUTS).join(', ')}`, 2);
  }
  const group = options.group ?? input?.group;
  const topicKey = options.topic ?? (input === undefined ? undefined : TOPIC[input.topic]);
  if (group === undefined || topicKey === undefined) {
    throw new CliError('name the consumer: --service <name>, or --group <id> with --topic <topic>', 2);
  }
  return { group, topicKey };
}

export function register(program: Command, context: CliContext): void {
  program
    .command('reprocess')
    .description(
      "Replay a service's input from a point in time: moves its consumer group's offsets back to the first " +
        'record at or after --from (record timestamps on events.enriched are event times). Stop the service ' +
        '(scale it to zero) first; start it again afterwards and it recomputes from there. Aggregation rewrites ' +
        'the same InfluxDB points (upserts), so replaying is safe; --from is aligned down to a window start ' +
        '(use the largest of PULSE_WINDOWS), and windows before it are left as they are.',
    )
    .requiredOption('--from <time>', 'replay from this time (RFC 3339, e.g. 2026-03-01T12:00:00Z)')
    .option('--service <name>', `the service to replay: ${Object.keys(SERVICE_INPUTS).join(', ')}`)
    .option(
      '--group <id>',
      'consumer group (default pulse-<service>; set it if PULSE_CONSUMER_GROUP was changed)',
    )
    .option('--topic <topic>', 'input topic without prefix (default: what --service reads)')
    .option(
      '--align <duration>',
      "align --from down to this window size: aggregation's largest window (PULSE_WINDOWS); 0 = not at all",
      '1m',
    )
    .option('--dry-run', 'show the offsets it would set, change nothing')
    .action(async (options: ReprocessOptions) => {
      const requested = Date.parse(options.from);
      if (!Number.isFinite(requested))
        throw new CliError(`--from must be an RFC 3339 time (got "${options.from}")`, 2);
      let alignMs: number;
      try {
        alignMs = options.align.trim() === '0' ? 0 : parseDuration(options.align);
      } catch {
        throw new CliError(`--align must be a duration such as 1m, or 0 (got "${options.align}")`, 2);
      }
      const from = alignMs > 0 ? alignDown(requested, alignMs) : requested;
      const { group, topicKey } = resolveTarget(options);
      await withKafka(context, async (kafka) => {
        const topic = `${kafka.config.PULSE_TOPIC_PREFIX}${topicKey}`;
        const admin = await kafka.admin();
        const target = await offsetsAtTime(admin, topic, from);
        const current = await committedOffsets(admin, group, topic);
        context.out(`replay ${topic} for group ${group} from ${new Date(from).toISOString()}`);
        for (const [partition, offset] of [...target].sort(([a], [b]) => a - b)) {
          const now = current.get(partition) ?? '-1';
          context.out(`  partition ${partition}: ${now === '-1' ? 'no commit' : now} → ${offset}`);
        }
        if (options.dryRun) {
          context.out('dry run: nothing changed');
          return;
        }
        try {
          await resetGroupOffsets(
            kafka.kafka,
            admin,
            group,
            topic,
            target,
            replayMetadataFor(topicKey, from),
          );
        } catch (error) {
          if (error instanceof ConsumerGroupActiveError) throw new CliError(error.message);
          throw error;
        }
        context.out('offsets moved: start the service again to reprocess');
      });
    });
}
