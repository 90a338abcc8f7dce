import { join } from 'node:path';
import { freePort, ManagedProcess, waitUntilReady } from '@pulse/fleet';
import type { CellNames, RunContext } from '../run-context';
import { entryPoint } from '../run-context';
import { profilingNodeOptions } from '../profile/collect-profiles';
import type { KafkajsVariant } from '../naive/config';
import type { PipelineSystem } from './pipeline-system';
import { profileDirOf } from './pulse-system';

const STAGES = [
  { name: 'naive-enrich', stage: 'enrich' as const, env: 'enrich' },
  { name: 'naive-aggregate', stage: 'aggregate' as const, env: 'aggregate' },
];

/**
 * The naive baseline: its enrichment and aggregation halves as two processes, like Pulse's, on
 * Pulse's patched kafkajs (cell `baseline`) or on the published package (cell `baseline-stock`).
 */
export async function startNaive(
  context: RunContext,
  names: CellNames,
  kafkajs: KafkajsVariant,
): Promise<PipelineSystem> {
  const entry = entryPoint(context.repoRoot, 'tools', 'bench', 'src', 'naive', 'main.js');
  const members = await Promise.all(
    STAGES.map(async (stage) => {
      const port = await freePort();
      const process = ManagedProcess.start({
        name: stage.name,
        command: context.nodeBinary,
        args: ['--enable-source-maps', entry],
        cwd: context.repoRoot,
        env: {
          ...globalThis.process.env,
          PULSE_KAFKA_BROKERS: context.options.brokers.join(','),
          PULSE_TOPIC_PREFIX: names.topicPrefix,
          PULSE_INFLUX_URL: context.options.influxUrl,
          PULSE_INFLUX_DATABASE: names.database,
          PULSE_HTTP_HOST: '127.0.0.1',
          PULSE_HTTP_PORT: String(port),
          BENCH_NAIVE_STAGE: stage.env,
          BENCH_NAIVE_KAFKAJS: kafkajs,
          BENCH_NAIVE_GROUP: `${names.groupPrefix}-${stage.name}`,
          BENCH_NAIVE_WINDOW: `${context.options.windowMs}ms`,
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          ...(context.options.profile ? { NODE_OPTIONS: profilingNodeOptions(profileDirOf(names)) } : {}),
        },
        logFile: join(names.logDir, `${stage.name}.log`),
      });
      return { ...stage, process, url: `http://127.0.0.1:${port}` };
    }),
  );
  const stop = async () => {
    await Promise.all(members.map((member) => member.process.stop({ timeoutMs: 15_000 })));
  };
  try {
    await Promise.all(
      members.map((member) =>
        waitUntilReady(member.process, `${member.url}/health/ready`, { timeoutMs: 90_000 }),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    stages: members.map((member) => ({
      name: member.name,
      metricsUrl: `${member.url}/metrics`,
      stage: member.stage,
    })),
    processes: members.map((member) => ({
      name: member.name,
      pid: member.process.pid,
      role: 'pipeline' as const,
    })),
    ingestUrl: undefined,
    profileDir: context.options.profile ? profileDirOf(names) : undefined,
    crashed: () => members.filter((member) => !member.process.running).map((member) => member.name),
    stop,
  };
}
