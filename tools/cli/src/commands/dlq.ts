import type { Command } from 'commander';
import {
  DLQ_HEADER,
  TransactionAbortedError,
  TransactionFencedError,
  TransactionOutcomeUnknownError,
  errorMessageOf,
  readDeadLetter,
  sendAtomically,
  type ConsumedMessage,
  type DeadLetterEntry,
  type OutgoingRecord,
} from '@pulse/kafka';
import { CliError, positiveInt, type CliContext } from '../cli';
import { withKafka, type CliKafka } from '../kafka-context';

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

/** Where a dead letter sits: its identity in the marks of what was re-driven. */
export function coordinatesOf(message: ConsumedMessage): string {
  return `${message.topic}/${message.partition}/${message.offset}`;
}

/** The mark that says a dead letter was re-driven (written in the same transaction as the re-drive). */
export function redrivenMark(marksTopic: string, letter: DeadLetter, at: Date): OutgoingRecord {
  return {
    topic: marksTopic,
    key: coordinatesOf(letter.message),
    value: JSON.stringify({ redrivenAt: at.toISOString(), to: letter.entry.sourceTopic }),
  };
}

/** What `redrive` sends, and what it leaves out and why. */
export interface RedrivePlan {
  readonly send: DeadLetter[];
  readonly alreadyRedriven: number;
  readonly notRedrivable: number;
}

/**
 * Chooses what goes back: each dead letter at most once (marked in the marks topic), so a second
 * re-drive, even after the dedupe horizon, cannot count an event twice; never output a service
 * could not deliver (nothing to put back: the cause is fixed and the source reprocessed).
 */
export function planRedrive(
  letters: readonly DeadLetter[],
  redriven: ReadonlySet<string>,
  limit = Number.POSITIVE_INFINITY,
): RedrivePlan {
  const messages = letters.filter((letter) => letter.entry.kind === 'message');
  const fresh = messages.filter((letter) => !redriven.has(coordinatesOf(letter.message)));
  return {
    send: fresh.slice(0, limit),
    alreadyRedriven: messages.length - fresh.length,
    notRedrivable: letters.length - messages.length,
  };
}

async function redrivenSoFar(kafka: CliKafka): Promise<Set<string>> {
  const admin = await kafka.admin();
  const topic = kafka.topics.deadLetterRedriven;
  if (!(await admin.topicExists(topic))) {
    throw new CliError(`topic ${topic} does not exist: run \`pulse topics ensure\` first`);
  }
  const { messages } = await admin.readTopicRange(topic);
  return new Set(messages.flatMap((message) => (message.key === null ? [] : [message.key.toString('utf8')])));
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
      for (const [partition, { low, high }] of await admin.partitionBounds(topic)) {
        const tail = BigInt(high) - BigInt(options.last);
        from.set(partition, (tail > BigInt(low) ? tail : BigInt(low)).toString());
      }
      if (since !== undefined) {
        for (const [partition, offset] of await admin.offsetsAtTime(topic, since)) {
          if (BigInt(offset) > BigInt(from.get(partition) ?? '0')) from.set(partition, offset);
        }
      }
      const { messages } = await admin.readTopicRange(topic, { from });
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
          'fixing the reference data or deploying a fix. Each record goes back once: a record re-driven before is ' +
          'skipped (the marks are in the dead-letter.redriven topic). Use the filters (and --dry-run first) to ' +
          'choose what goes back.',
      )
      .option('--limit <n>', 'at most this many records', positiveInt('--limit'))
      .option('--dry-run', 'show what would be re-driven, send nothing'),
  ).action(async (options: RedriveOptions) => {
    const since = parseSince(options.since);
    await withKafka(context, async (kafka) => {
      const admin = await kafka.admin();
      const topic = kafka.topics.deadLetter;
      const from = since === undefined ? undefined : await admin.offsetsAtTime(topic, since);
      const { messages } = await admin.readTopicRange(topic, from === undefined ? {} : { from });
      const matching = messages
        .map((message) => ({ message, entry: readDeadLetter(message) }))
        .filter((letter) => matches(letter, options, kafka.config.PULSE_TOPIC_PREFIX));
      const planned = async () => {
        const plan = planRedrive(matching, await redrivenSoFar(kafka), options.limit);
        if (plan.alreadyRedriven > 0)
          context.err(`skipped ${plan.alreadyRedriven} record(s) re-driven before (each goes back once)`);
        if (plan.notRedrivable > 0)
          context.err(
            `skipped ${plan.notRedrivable} record(s) of output a service could not deliver (not re-drivable: ` +
              'fix the cause named in the record, then `pulse reprocess` the affected time range)',
          );
        return { selected: plan.send, records: plan.send.map(redriveRecord) };
      };
      if (options.dryRun) {
        const { selected, records } = await planned();
        for (const letter of selected) context.out(describeLetter(letter));
        context.out(`dry run: would re-drive ${records.length} record(s)${describeCounts(records)}`);
        return;
      }
      // The marks are read once this command holds the re-drive's transactional id: a re-drive
      // still completing is then visible, and one running at the same time fails instead of both
      // sending. The records and the marks that say they went back land together or not at all.
      let sent: OutgoingRecord[] = [];
      try {
        await sendAtomically(
          kafka.kafka,
          `${kafka.config.PULSE_TOPIC_PREFIX}pulse-cli-dlq-redrive`,
          async () => {
            const { selected, records } = await planned();
            const now = new Date();
            sent = records;
            return [
              ...records,
              ...selected.map((letter) => redrivenMark(kafka.topics.deadLetterRedriven, letter, now)),
            ];
          },
        );
      } catch (error) {
        throw redriveFailure(error);
      }
      context.out(`re-drove ${sent.length} record(s)${describeCounts(sent)}`);
    });
  });
}

/** What a re-drive that did not commit tells the operator; re-running it is always safe. */
export function redriveFailure(error: unknown): unknown {
  const runAgain = 'run it again to re-drive what is left (records that went back are skipped)';
  if (error instanceof TransactionFencedError)
    return new CliError(
      `another \`pulse dlq redrive\` took over while this one ran, and this one sent nothing: ${runAgain}`,
    );
  if (error instanceof TransactionAbortedError)
    return new CliError(`this re-drive sent nothing (${error.message}): ${runAgain}`);
  if (error instanceof TransactionOutcomeUnknownError)
    return new CliError(
      `this re-drive's commit got no clear answer (${errorMessageOf(error.cause)}) and Kafka did not show whether ` +
        `it landed: ${runAgain}`,
    );
  return error;
}

function describeCounts(records: readonly OutgoingRecord[]): string {
  const byTopic = new Map<string, number>();
  for (const record of records) byTopic.set(record.topic, (byTopic.get(record.topic) ?? 0) + 1);
  return byTopic.size === 0
    ? ''
    : ` (${[...byTopic].map(([topic, count]) => `${count} to ${topic}`).join(', ')})`;
}
