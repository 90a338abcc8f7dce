import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GroundTruth } from '@pulse/fleet';
import { GroundTruthBuilder } from './ground-truth/ground-truth-builder';
import { createProgressReporter } from './progress/progress-reporter';
import { loadReferenceData } from './reference/reference-data';
import { TrafficGenerator } from './scenarios/traffic-generator';
import type { ProfileTuning, ScenarioName } from './scenarios/scenario-profile';
import { HttpBatchSink } from './sending/http-batch-sink';
import { KafkaBypassSink, RoutingSink, type KafkaBypassOptions } from './sending/kafka-bypass-sink';
import { pacedRun } from './sending/paced-run';

export interface LoadgenOptions {
  scenarios: ScenarioName[];
  rate: number;
  durationMs: number;
  seed: number;
  startTimeMs: number;
  target: string;
  apiKey: string | undefined;
  groundTruthFile: string | undefined;
  batchSize: number;
  concurrency: number;
  lingerMs: number;
  productsFile: string;
  customersFile: string;
  windowSizeMs: number;
  allowedLatenessMs: number;
  tuning: ProfileTuning;
  /** Where malformed items go; `kafka`/`both` need `kafka`. */
  malformedVia: 'api' | 'kafka' | 'both';
  kafka: KafkaBypassOptions | undefined;
  progress: 'auto' | 'bar' | 'lines' | 'none';
}

/**
 * One load-generator run: generate the scenario, send it paced, record what ingestion accepted
 * and write the ground truth. Stops early (cleanly, with a ground truth for what was sent) when
 * `signal` aborts.
 */
export async function runLoadgen(options: LoadgenOptions, signal?: AbortSignal): Promise<GroundTruth> {
  const reference = loadReferenceData(options.productsFile, options.customersFile);
  const generator = new TrafficGenerator(
    {
      scenarios: options.scenarios,
      seed: options.seed,
      startTimeMs: options.startTimeMs,
      durationMs: options.durationMs,
      rate: options.rate,
      tuning: options.tuning,
      malformedVia: options.malformedVia,
    },
    reference,
  );
  const builder = new GroundTruthBuilder(reference, {
    windowSizeMs: options.windowSizeMs,
    allowedLatenessMs: options.allowedLatenessMs,
  });
  const api = new HttpBatchSink({ target: options.target, apiKey: options.apiKey });
  const bypass =
    options.kafka && options.malformedVia !== 'api' ? new KafkaBypassSink(options.kafka) : undefined;
  const sink = new RoutingSink(api, bypass);
  const progress = createProgressReporter({
    durationMs: options.durationMs,
    stream: process.stderr,
    mode: options.progress,
  });
  const counts = { sent: 0, accepted: 0, rejected: 0, failed: 0 };
  const startedAt = new Date();
  const ticker = setInterval(
    () => progress.update({ elapsedMs: Date.now() - startedAt.getTime(), ...counts }),
    250,
  );
  try {
    await pacedRun(
      generator.items(),
      sink,
      { batchSize: options.batchSize, concurrency: options.concurrency, lingerMs: options.lingerMs, signal },
      ({ items, outcomes }) => {
        items.forEach((item, index) => {
          const outcome = outcomes[index] ?? 'failed';
          builder.record(item, outcome);
          // The progress shows the API's answers; bypass writes are in the ground truth only.
          if (item.route === 'kafka') return;
          counts.sent += 1;
          counts[outcome] += 1;
        });
      },
    );
  } finally {
    await bypass?.close();
    clearInterval(ticker);
    progress.update({ elapsedMs: Date.now() - startedAt.getTime(), ...counts });
    progress.stop();
  }
  if (signal?.aborted) builder.markInexact('stopped before the planned duration');
  const truth = builder.build(
    {
      scenarios: options.scenarios,
      seed: options.seed,
      startTime: new Date(options.startTimeMs).toISOString(),
      durationMs: options.durationMs,
      rate: options.rate,
      target: options.target,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    },
    { sent: api.stats.requests, failed: api.stats.failed, retried: api.stats.retried },
  );
  if (options.groundTruthFile) {
    mkdirSync(dirname(options.groundTruthFile), { recursive: true });
    writeFileSync(options.groundTruthFile, `${JSON.stringify(truth, null, 2)}\n`);
  }
  return truth;
}

/** A few lines for people: what was sent and what came of it. */
export function summarize(truth: GroundTruth): string {
  const lines = [
    `events sent ${truth.events.sent}: accepted ${truth.events.accepted}, rejected ${truth.events.rejected}, failed ${truth.events.failed}`,
    `malformed ${truth.malformed.sent}: refused by the API ${truth.malformed.rejected} of ${truth.malformed.sent - truth.malformed.bypass.sent}, ` +
      `written straight to Kafka ${truth.malformed.bypass.written} (must be dead-lettered)`,
    `duplicates ${truth.duplicates.sent}, late ${truth.late.sent}`,
    `expected in windows: ${truth.totals.orders} orders, ${truth.totals.units} units, ${truth.totals.views} views, ${truth.totals.cartAdds} cart adds; revenue ${formatRevenue(truth.totals.revenueMinor)}`,
    `requests ${truth.requests.sent} (retried ${truth.requests.retried}, failed ${truth.requests.failed})`,
  ];
  if (!truth.exact) lines.push(`not exact: ${truth.inexactReasons.join('; ')}`);
  return lines.join('\n');
}

function formatRevenue(revenueMinor: Record<string, number>): string {
  const entries = Object.entries(revenueMinor);
  return entries.length === 0
    ? 'none'
    : entries.map(([currency, minor]) => `${currency} ${minor} (minor units)`).join(', ');
}
