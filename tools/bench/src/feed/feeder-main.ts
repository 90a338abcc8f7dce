import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  encodeEvent,
  eventHeaders,
  partitionKeyOf,
  pulseEventSchema,
  type PulseEvent,
} from '@pulse/contracts';
import { createKafka, PulseProducer, type OutgoingRecord } from '@pulse/kafka';
import pino from 'pino';
import { addEvent, emptyTotals } from './event-totals';
import { feederJobSchema, type FeederJob, type FeederResult } from './feeder-protocol';

/** Records per produce request: large enough to be cheap, far below the broker's 1 MiB limit. */
const MAX_BATCH = 1000;
/**
 * How often due events are sent, like the load generator's linger (20 ms in the benchmark): the
 * records reach Kafka in batches of the same size as through ingestion, which matters to every
 * consumer downstream (per-batch costs), so the direct and HTTP cells stay comparable.
 */
const SEND_EVERY_MS = 20;

/**
 * The `--direct` input: writes valid events straight to `events.raw`, as ingestion would have
 * written them (validated shape, partition key, CloudEvents headers, Pulse's compression), open loop: each event
 * has a scheduled instant (its event time), and a send that falls behind makes the next batch
 * larger instead of moving the schedule — so a slow pipeline shows as backlog and latency, never
 * as a lower offered rate; how far sending fell behind is reported. `ingestedat` is stamped when
 * the batch is handed to Kafka, as ingestion stamps it when it accepts a request.
 */
async function feed(job: FeederJob): Promise<FeederResult> {
  const corpus = readFileSync(job.corpusFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as PulseEvent);
  if (corpus.length === 0) throw new Error(`${job.corpusFile} holds no events`);
  // The corpus comes from the load generator; validating a sample catches a wrong file without
  // spending seconds of the generator's measured CPU on all of it.
  for (const event of corpus.slice(0, 100)) pulseEventSchema.parse(event);
  const logger = pino({ level: 'error', base: { component: 'bench-feeder' } }, pino.destination(2));
  const producer = new PulseProducer(
    createKafka({ brokers: job.brokers, clientId: 'pulse-bench-feeder' }, logger),
    undefined,
    { compression: job.compression },
  );
  await producer.connect();

  const planned = job.mode === 'paced' ? Math.round((job.rate * job.durationMs) / 1000) : job.count;
  const totals = emptyTotals();
  const errors: string[] = [];
  let acknowledged = 0;
  let failed = 0;
  let bytes = 0;
  let maxBehindMs = 0;
  const startedAt = Date.now();
  const origin = performance.now();
  const scheduledAt = (sequence: number) =>
    job.mode === 'paced' ? startedAt + (sequence * 1000) / job.rate : Date.now();

  let next = 0;
  while (next < planned) {
    const elapsed = performance.now() - origin;
    const due =
      job.mode === 'paced' ? Math.min(planned, Math.floor((job.rate * elapsed) / 1000) + 1) : planned;
    if (due <= next) {
      await sleep(Math.max(1, ((next * 1000) / job.rate - elapsed) | 0));
      continue;
    }
    const end = Math.min(due, next + MAX_BATCH);
    const records: OutgoingRecord[] = [];
    const batchTotals = emptyTotals();
    const ingestedat = new Date().toISOString();
    for (let sequence = next; sequence < end; sequence += 1) {
      const time = new Date(scheduledAt(sequence)).toISOString();
      const template = corpus[sequence % corpus.length] as PulseEvent;
      const event = { ...template, id: `${job.runTag}-${sequence}`, time, ingestedat } as PulseEvent;
      const value = encodeEvent(event);
      bytes += value.length;
      addEvent(batchTotals, event);
      records.push({
        topic: job.topic,
        key: partitionKeyOf(event),
        value,
        headers: eventHeaders(event),
        timestamp: Date.parse(event.time),
      });
    }
    maxBehindMs = Math.max(maxBehindMs, Date.now() - scheduledAt(next));
    try {
      await producer.send(records);
      acknowledged += records.length;
      totals.orders += batchTotals.orders;
      totals.units += batchTotals.units;
      totals.views += batchTotals.views;
      totals.cartAdds += batchTotals.cartAdds;
    } catch (error) {
      failed += records.length;
      if (errors.length < 5) errors.push((error as Error).message);
    }
    const caughtUp = end === due;
    next = end;
    // Let the next batch gather — unless sending is behind, or it is a burst (back to back).
    if (job.mode === 'paced' && caughtUp && next < planned) await sleep(SEND_EVERY_MS);
  }
  await producer.disconnect();
  return {
    planned,
    acknowledged,
    failed,
    totals,
    startedAt,
    finishedAt: Date.now(),
    maxBehindMs,
    meanEventBytes: planned === 0 ? 0 : bytes / planned,
    errors,
  };
}

async function main(): Promise<void> {
  const job = feederJobSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const result = await feed(job);
  writeFileSync(job.resultFile, `${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench feeder: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
