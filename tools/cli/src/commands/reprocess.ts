import type { Command } from 'commander';
import { parseDuration } from '@pulse/config';
import { ConsumerGroupActiveError, TOPIC, type CommittedPosition, type TopicKey } from '@pulse/kafka';
import { CliError, type CliContext } from '../cli';
import { withKafka } from '../kafka-context';
import { planReplay, type PartitionReplay } from './replay-plan';

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
  leadIn: string;
  dryRun?: boolean;
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

function describe(replay: PartitionReplay): string {
  if (replay.action === 'move') {
    return `  partition ${replay.partition}: ${replay.from === '-1' ? 'no commit' : replay.from} → ${replay.to.offset}`;
  }
  const since = Number.isFinite(replay.frontier)
    ? `its windows after ${new Date(replay.frontier).toISOString()} are not final yet`
    : 'none of its windows is final yet';
  return `  partition ${replay.partition}: kept at ${replay.at} (${since}; resuming there recomputes them)`;
}

export function register(program: Command, context: CliContext): void {
  program
    .command('reprocess')
    .description(
      "Replay a service's input from a point in time: moves its consumer group's offsets back to the first " +
        'record at or after --from (record timestamps on events.enriched are event times). Stop the service ' +
        '(scale it to zero) first; start it again afterwards and it recomputes from there. For aggregation, ' +
        'every window ending after --from is recomputed whole and rewritten (InfluxDB points are upserts), ' +
        'and the windows before it are left as they are.',
    )
    .requiredOption('--from <time>', 'replay from this time (RFC 3339, e.g. 2026-03-01T12:00:00Z)')
    .option('--service <name>', `the service to replay: ${Object.keys(SERVICE_INPUTS).join(', ')}`)
    .option(
      '--group <id>',
      'consumer group (default pulse-<service>; set it if PULSE_CONSUMER_GROUP was changed)',
    )
    .option('--topic <topic>', 'input topic without prefix (default: what --service reads)')
    .option(
      '--lead-in <duration>',
      "aggregation's input only: start reading this long before --from, so that the windows holding --from " +
        "get all their events: at least aggregation's largest window (PULSE_WINDOWS); longer also recognises " +
        'duplicates of events sent that long before',
      '10m',
    )
    .option('--dry-run', 'show the offsets it would set, change nothing')
    .action(async (options: ReprocessOptions) => {
      const from = Date.parse(options.from);
      if (!Number.isFinite(from))
        throw new CliError(`--from must be an RFC 3339 time (got "${options.from}")`, 2);
      let leadInMs: number;
      try {
        leadInMs = parseDuration(options.leadIn);
      } catch {
        throw new CliError(`--lead-in must be a duration such as 10m (got "${options.leadIn}")`, 2);
      }
      const { group, topicKey } = resolveTarget(options);
      const aggregationInput = topicKey === TOPIC.eventsEnriched;
      const readFrom = aggregationInput ? from - leadInMs : from;
      await withKafka(context, async (kafka) => {
        const topic = `${kafka.config.PULSE_TOPIC_PREFIX}${topicKey}`;
        const admin = await kafka.admin();
        const plan = planReplay({
          fromMs: from,
          targets: await admin.offsetsAtTime(topic, readFrom),
          current: await admin.committedOffsets(group, topic),
          aggregationInput,
        });
        context.out(
          `replay ${topic} for group ${group} from ${new Date(from).toISOString()}` +
            (aggregationInput
              ? ` (reading from ${new Date(readFrom).toISOString()}; windows ending after --from are rewritten)`
              : ''),
        );
        for (const replay of plan) context.out(describe(replay));
        if (options.dryRun) {
          context.out('dry run: nothing changed');
          return;
        }
        const moves = new Map<number, CommittedPosition>();
        for (const replay of plan) if (replay.action === 'move') moves.set(replay.partition, replay.to);
        try {
          await admin.resetGroupOffsets(group, topic, moves);
        } catch (error) {
          if (error instanceof ConsumerGroupActiveError) throw new CliError(error.message);
          throw error;
        }
        context.out('offsets moved: start the service again to reprocess');
      });
    });
}
