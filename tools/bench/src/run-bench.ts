import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureLocalCredentials, serviceEntryPoint, SERVICE_NAMES } from '@pulse/fleet';
import type { BenchOptions, CellName } from './cli/options';
import { runEnrichmentDrain } from './cells/enrichment-drain';
import { runIngestionHttp } from './cells/ingestion-http';
import { runKafkaCeiling } from './cells/kafka-ceiling';
import { runPipelineCell } from './cells/pipeline/pipeline-cell';
import { buildStreamsPeer } from './cells/streams-system';
import { captureCorpus } from './feed/corpus';
import { BenchKafka } from './infra/bench-kafka';
import { InfluxClient } from '@pulse/influx';
import { machineInfo } from './infra/machine';
import { stackProcesses } from './proc/stack-processes';
import type { CellRun, FailedRun, MachineInfo } from './report/results';
import { summarize, type BenchSummary } from './report/summary';
import { entryPoint, type RunContext } from './run-context';
import { probeEnrichedPayloads } from './setup/enriched-payloads';
import { liveRunIds, markRunLive, removeLeftovers } from './setup/leftovers';

export interface BenchReport {
  version: 1;
  runId: string;
  startedAt: string;
  finishedAt: string;
  options: BenchOptions;
  machine: MachineInfo;
  corpus: { events: number; meanRawEventBytes: number };
  /** Real enriched events (put through Pulse's enrichment at set-up), the perf tools' payloads. */
  enrichedPayloads: { meanBytes: number };
  /** In the order they ran: cells interleaved within each repetition. */
  runs: (CellRun | FailedRun)[];
  summary: BenchSummary;
  /** Caveats of this run (shared machine, missing processes, …). */
  notes: string[];
}

const CORPUS = { rate: 10_000, durationMs: 5_000 };

function runCell(context: RunContext, cell: CellName, repetition: number): Promise<CellRun> {
  switch (cell) {
    case 'kafka':
      return runKafkaCeiling(context, repetition);
    case 'pulse':
    case 'pulse-direct':
    case 'streams':
    case 'streams-alos':
      return runPipelineCell(context, cell, repetition);
    case 'enrichment':
      return runEnrichmentDrain(context, repetition);
    case 'http':
      return runIngestionHttp(context, repetition);
  }
}

function assertBuilt(repoRoot: string, options: BenchOptions): void {
  const needed = [
    entryPoint(repoRoot, 'tools', 'loadgen', 'src', 'main.js'),
    entryPoint(repoRoot, 'tools', 'cli', 'src', 'main.js'),
    entryPoint(repoRoot, 'tools', 'bench', 'src', 'feed', 'feeder-main.js'),
    // The set-up enriches the perf tools' payloads through Pulse's enrichment, whatever the cells.
    serviceEntryPoint(repoRoot, 'enrichment'),
  ];
  if (options.cells.some((cell) => !['kafka', 'streams', 'streams-alos'].includes(cell))) {
    for (const service of SERVICE_NAMES.filter((name) => ['ingestion', 'aggregation'].includes(name))) {
      needed.push(serviceEntryPoint(repoRoot, service));
    }
  }
  const missing = needed.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} — run \`npm run build\` first`);
}

/**
 * The whole benchmark: set-up (event corpus from the load generator, real enriched payloads),
 * then every repetition runs every cell once, in order, so cells interleave (A, B, C, A, B, C…)
 * and slow drifts of a shared machine spread over all of them instead of biasing one.
 */
export async function runBench(
  options: BenchOptions,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<BenchReport> {
  const repoRoot = process.cwd();
  assertBuilt(repoRoot, options);
  const startedAt = new Date();
  const runId = startedAt.getTime().toString(36);
  const benchDir = join(repoRoot, 'tmp', 'bench');
  const workDir = join(benchDir, runId);
  mkdirSync(workDir, { recursive: true });
  const liveElsewhere = liveRunIds(benchDir);
  const markedLive = markRunLive(workDir);
  const machine = machineInfo();
  const notes: string[] = [];
  if (options.repetitions < 3)
    notes.push(`only ${options.repetitions} repetition(s): fewer than the 3 the figures need`);
  if (options.quick)
    notes.push('quick run: 20 s steps, 5 s windows, smaller volumes — a smoke run, not the full benchmark');
  const kafka = new BenchKafka(options.brokers);
  const influx = new InfluxClient({ url: options.influxUrl, timeoutMs: 10_000 });
  const stack = stackProcesses(repoRoot);
  for (const role of ['broker', 'database'] as const) {
    if (!stack.some((process) => process.role === role))
      notes.push(`no ${role} process found: its CPU is not in the figures`);
  }
  log(
    `bench ${runId}: ${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart.map((value) => value.toFixed(2)).join(' ')}`,
  );
  try {
    const removed = await removeLeftovers(kafka, influx, liveElsewhere);
    if (removed.topics + removed.groups + removed.databases > 0) {
      log(
        `set-up: removed what earlier bench runs left behind: ${removed.topics} topics, ${removed.groups} consumer groups, ${removed.databases} databases`,
      );
    }
    log(`set-up: capturing ${CORPUS.rate * (CORPUS.durationMs / 1000)} events from the load generator`);
    const corpus = await captureCorpus({
      repoRoot,
      nodeBinary: process.execPath,
      loadgenEntry: entryPoint(repoRoot, 'tools', 'loadgen', 'src', 'main.js'),
      file: join(workDir, 'corpus.ndjson'),
      rate: CORPUS.rate,
      durationMs: CORPUS.durationMs,
      seed: options.seed,
    });
    const base = {
      options,
      repoRoot,
      runId,
      workDir,
      nodeBinary: process.execPath,
      kafka,
      influx,
      stackProcesses: stack,
      corpus,
      credentials: ensureLocalCredentials(join(workDir, 'credentials')),
      log,
    };
    log("set-up: enriching a sample for the perf tools' payloads");
    const payloads = await probeEnrichedPayloads(base);
    log(
      `  ${corpus.events} corpus events of ${Math.round(corpus.meanBytes)} B; enriched ${Math.round(payloads.meanBytes)} B`,
    );
    const streamsPeerJar = options.cells.some((cell) => cell === 'streams' || cell === 'streams-alos')
      ? await buildStreamsPeer(repoRoot, log)
      : undefined;
    const context: RunContext = {
      ...base,
      enrichedPayloadFile: payloads.file,
      enrichedMeanBytes: payloads.meanBytes,
      ...(streamsPeerJar === undefined ? {} : { streamsPeerJar }),
    };

    const runs: (CellRun | FailedRun)[] = [];
    for (let repetition = 1; repetition <= options.repetitions && !signal.aborted; repetition += 1) {
      for (const cell of options.cells) {
        if (signal.aborted) break;
        log(
          `repetition ${repetition}/${options.repetitions}: ${cell} (load average ${loadavg()
            .map((value) => value.toFixed(2))
            .join(' ')})`,
        );
        try {
          runs.push(await runCell(context, cell, repetition));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          log(`  ${cell} FAILED: ${message}`);
          runs.push({ kind: 'failed', cell, repetition, error: message });
        }
        await sleep(2_000);
      }
    }
    if (signal.aborted) notes.push('stopped early (signal): fewer runs than planned');
    machine.loadAverageAtEnd = loadavg();
    return {
      version: 1,
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options,
      machine,
      corpus: { events: corpus.events, meanRawEventBytes: corpus.meanBytes },
      enrichedPayloads: { meanBytes: payloads.meanBytes },
      runs,
      summary: summarize(runs, machine.nproc),
      notes,
    };
  } finally {
    markedLive();
    await kafka.close();
  }
}
