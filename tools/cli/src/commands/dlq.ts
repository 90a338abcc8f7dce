import type { Command } from 'commander';
import {
  DLQ_HEADER,
  offsetsAtTime,
  partitionBounds,
  readDeadLetter,
  readTopicRange,
  type ConsumedMessage,
  type DeadLetterEntry,
  type OutgoingRecord,
} from '@pulse/kafka';
import { CliError, positiveInt, type CliContext } from '../cli';
import { withKafka } from '../kafka-context';

/** Header put on a re-driven record, naming the dead-letter record it came from. */
export const REDRIVEN_FROM_HEADER = 'pulse-redriven-from';

interface SelectOptions {
  sourceTopic?: string;
  errorClass?: string;
  since?: string;
}

interface InspectOptions extends SelectOptions {
  last: number;
  json?: boolean;
}

interface RedriveOptions extends SelectOptions {
  limit?: number;
  dryRun?: boolean;
}

export interface DeadLetter {
  message: ConsumedMessage;
  entry: DeadLetterEntry;
}

/**
 * Whether a dead-letter record matches the operator's filters. A source topic may be given as
 * deployed (`prod.events.raw`) or logically (`events.raw`, the prefix is added).
 */
export function matches(letter: DeadLetter, options: SelectOptions, topicPrefix: string): boolean {
  const wanted = options.sourceTopic;
  const source = letter.entry.sourceTopic;
  if (wanted !== undefined && source !== wanted && source !== `${topicPrefix}${wanted}`) return false;
  if (options.errorClass !== undefined && letter.entry.errorClass !== options.errorClass) return false;
  return true;
}

/** One line per dead-letter record, for people. */
export function describeLetter({ message, entry }: DeadLetter): string {
  const value = message.value?.toString('utf8') ?? '';
  return (
    `${message.partition}/${message.offset}  ${entry.firstFailureTime || '?'}  ${entry.service || '?'} ← ` +
    `${entry.sourceTopic}/${entry.sourcePartition}/${entry.sourceOffset}  ${entry.errorClass} ` +
    `(attempts ${entry.attempts}): ${entry.errorMessage}\n    ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`
  );
}

/** The record that puts a dead letter back where it failed: original key, bytes and headers. */
export function redriveRecord({ message, entry }: DeadLetter): OutgoingRecord {
  if (entry.sourceTopic === '') {
    throw new CliError(
      `dead-letter ${message.partition}/${message.offset} has no ${DLQ_HEADER.sourceTopic} header`,
    );
  }
  return {
    topic: entry.sourceTopic,
    key: message.key,
    value: message.value,
    headers: {
      ...entry.originalHeaders,
      [REDRIVEN_FROM_HEADER]: `${message.topic}/${message.partition}/${message.offset}`,
    },
    ...(Number.isFinite(message.timestamp) ? { timestamp: message.timestamp } : {}),
  };
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const time = Date.parse(raw);
  if (!Number.isFinite(time))
    throw new CliError(`--since must be an RFC 3339 time, e.g. 2026-03-01T12:00:00Z (got "${raw}")`, 2);
  return time;
}

export function register(program: Command, context: CliContext): void {
  const dlq = program
    .command('dlq')
    .description(
      'The dead-letter topic: messages a service could not process, with why (error class and message, ' +
        'source topic/partition/offset, service, attempts) in their headers.',
    );

  const filters = (command: Command) =>
    command
      .option('--source-topic <topic>', 'only records that failed on this topic (e.g. events.raw)')
      .option('--error-class <class>', 'only records with this error class (e.g. ContractViolation)')
      .option('--since <time>', 'only records with a timestamp at or after this time (RFC 3339)');

  filters(
    dlq
      .command('inspect')
      .description('Show the newest dead-letter records and why they failed.')
      .option(
        '--last <n>',
        'how many of the newest records per partition to look at',
        positiveInt('--last'),
        20,
      )
      .option('--json', 'one JSON object per record instead of text'),
  ).action(async (options: InspectOptions) => {
    const since = parseSince(options.since);
    await withKafka(context, async (kafka) => {
      const admin = await kafka.admin();
      const topic = kafka.topics.deadLetter;
      const from = new Map<number, string>();
      for (const [partition, { low, high }] of await partitionBounds(admin, topic)) {
        const tail = BigInt(high) - BigInt(options.last);
        from.set(partition, (tail > BigInt(low) ? tail : BigInt(low)).toString());
      }
      if (since !== undefined) {
        for (const [partition, offset] of await offsetsAtTime(admin, topic, since)) {
          if (BigInt(offset) > BigInt(from.get(partition) ?? '0')) from.set(partition, offset);
        }
      }
      const { messages } = await readTopicRange(kafka.kafka, admin, topic, { from });
      const letters = messages
        .map((message) => ({ message, entry: readDeadLetter(message) }))
        .filter((letter) => matches(letter, options, kafka.config.PULSE_TOPIC_PREFIX));
      for (const letter of letters) {
        context.out(
          options.json
            ? JSON.stringify({
                partition: letter.message.partition,
                offset: letter.message.offset,
                key: letter.message.key?.toString('utf8') ?? null,
                value: letter.message.value?.toString('utf8') ?? null,
                ...letter.entry,
              })
            : describeLetter(letter),
        );
      }
      context.err(`${letters.length} dead-letter record(s) shown from ${topic}`);
    });
  });

  filters(
    dlq
      .command('redrive')
      .description(
        'Send dead-letter records back to the topic they failed on (original key, bytes and headers), e.g. after ' +
          'fixing the reference data or deploying a fix. Re-driving a record twice is harmless: events are counted ' +
          'once by id downstream. Use the filters (and --dry-run first) to choose what goes back.',
      )
      .option('--limit <n>', 'at most this many records', positiveInt('--limit'))
      .option('--dry-run', 'show what would be re-driven, send nothing'),
  ).action(async (options: RedriveOptions) => {
    const since = parseSince(options.since);
    await withKafka(context, async (kafka) => {
      const admin = await kafka.admin();
      const topic = kafka.topics.deadLetter;
      const from = since === undefined ? undefined : await offsetsAtTime(admin, topic, since);
      const { messages } = await readTopicRange(
        kafka.kafka,
        admin,
        topic,
        from === undefined ? {} : { from },
      );
      const selected = messages
        .map((message) => ({ message, entry: readDeadLetter(message) }))
        .filter((letter) => matches(letter, options, kafka.config.PULSE_TOPIC_PREFIX))
        .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
      const records = selected.map(redriveRecord);
      const byTopic = new Map<string, number>();
      for (const record of records) byTopic.set(record.topic, (byTopic.get(record.topic) ?? 0) + 1);
      if (options.dryRun) {
        for (const letter of selected) context.out(describeLetter(letter));
        context.out(`dry run: would re-drive ${records.length} record(s) ${describeCounts(byTopic)}`);
        return;
      }
      if (records.length > 0) await (await kafka.producer()).send(records);
      context.out(`re-drove ${records.length} record(s) ${describeCounts(byTopic)}`);
    });
  });
}

function describeCounts(byTopic: ReadonlyMap<string, number>): string {
  return byTopic.size === 0
    ? ''
    : `(${[...byTopic].map(([topic, count]) => `${count} to ${topic}`).join(', ')})`;
}
