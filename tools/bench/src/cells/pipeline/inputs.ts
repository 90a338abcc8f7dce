import { readFileSync } from 'node:fs';
import { benchCompression } from '../../infra/compression';
import { join } from 'node:path';
import { parseGroundTruth, runCommand } from '@pulse/fleet';
import type { ActivityTotals } from '../../feed/event-totals';
import { feederResultSchema, type FeederJob } from '../../feed/feeder-protocol';
import { reapedChildrenCpuMs } from '../../proc/process-meter';
import { entryPoint, type CellNames, type RunContext } from '../../run-context';

/** What one step's input delivered. */
export interface InputRun {
  planned: number;
  accepted: number;
  /** How far the input fell behind its schedule at worst (ms). */
  behindMs: number;
  totals: ActivityTotals;
  /** CPU of the generator process over its whole life (start-up included). */
  generatorCpuMs: number;
  notes: string[];
}

export interface PipelineInput {
  readonly name: string;
  run(rate: number, durationMs: number, step: number): Promise<InputRun>;
}

/** Runs a generator process to completion and measures its CPU once it has been reaped. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = reapedChildrenCpuMs();
  const value = await work();
  return { value, cpuMs: reapedChildrenCpuMs() - before };
}

/** `--direct`: the bench feeder writes the load generator's events straight to events.raw. */
export function directInput(context: RunContext, topic: string, names: CellNames): PipelineInput {
  const entry = entryPoint(context.repoRoot, 'tools', 'bench', 'src', 'feed', 'feeder-main.js');
  return {
    name: 'bench-feeder',
    async run(rate, durationMs, step) {
      const resultFile = join(context.workDir, `${names.label}-step${step}-feeder.json`);
      const job: FeederJob = {
        brokers: context.options.brokers,
        topic,
        compression: benchCompression(context.options),
        corpusFile: context.corpus.file,
        mode: 'paced',
        rate,
        durationMs,
        count: 0,
        runTag: `${names.label}-s${step}`,
        resultFile,
      };
      const { cpuMs } = await measured(() =>
        runCommand(context.nodeBinary, [entry, JSON.stringify(job)], { cwd: context.repoRoot }),
      );
      const result = feederResultSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')));
      return {
        planned: result.planned,
        accepted: result.acknowledged,
        behindMs: result.maxBehindMs,
        totals: result.totals,
        generatorCpuMs: cpuMs,
        notes: result.errors.map((error) => `feeder: ${error}`),
      };
    },
  };
}

/** The load generator (tools/loadgen, through its command line) posting to ingestion's batch endpoint. */
export function httpInput(context: RunContext, ingestUrl: string, names: CellNames): PipelineInput {
  const entry = entryPoint(context.repoRoot, 'tools', 'loadgen', 'src', 'main.js');
  return {
    name: 'loadgen',
    async run(rate, durationMs, step) {
      const truthFile = join(context.workDir, `${names.label}-step${step}-ground-truth.json`);
      const { cpuMs } = await measured(() =>
        runCommand(
          context.nodeBinary,
          [
            entry,
            '--scenario',
            'steady',
            '--rate',
            String(rate),
            '--duration',
            `${durationMs}ms`,
            '--seed',
            String(context.options.seed + step),
            '--target',
            ingestUrl,
            '--api-key',
            context.credentials.apiKey,
            '--batch-size',
            '500',
            '--concurrency',
            '8',
            '--linger',
            '20ms',
            '--window',
            `${context.options.windowMs}ms`,
            '--progress',
            'none',
            '--ground-truth',
            truthFile,
          ],
          { cwd: context.repoRoot },
        ),
      );
      const truth = parseGroundTruth(readFileSync(truthFile, 'utf8'));
      const notes = truth.exact ? [] : [`loadgen: not exact: ${truth.inexactReasons.join('; ')}`];
      if (truth.requests.retried > 0) notes.push(`loadgen: ${truth.requests.retried} requests retried`);
      return {
        planned: Math.round((rate * durationMs) / 1000),
        accepted: truth.events.accepted,
        // The generator reports no schedule slip; sending for longer than planned is one.
        behindMs: Math.max(
          0,
          Date.parse(truth.run.finishedAt) - Date.parse(truth.run.startedAt) - durationMs,
        ),
        totals: {
          orders: truth.totals.orders,
          units: truth.totals.units,
          views: truth.totals.views,
          cartAdds: truth.totals.cartAdds,
        },
        generatorCpuMs: cpuMs,
        notes,
      };
    },
  };
}
