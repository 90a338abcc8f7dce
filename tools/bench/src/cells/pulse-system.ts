import { Fleet, freePort, type ServiceName } from '@pulse/fleet';
import { join } from 'node:path';
import type { MonitoredStage } from '../measure/pipeline-monitor';
import { profilingNodeOptions } from '../profile/collect-profiles';
import type { CellNames, RunContext } from '../run-context';
import type { PipelineSystem } from './pipeline-system';

const STAGE_OF: Partial<Record<ServiceName, MonitoredStage['stage']>> = {
  ingestion: 'ingest',
  enrichment: 'enrich',
  aggregation: 'aggregate',
};

/**
 * Environment for every service of a benchmark fleet: the cell's topics and database, and
 * ingestion's per-key rate limit lifted (the benchmark measures capacity, not the limiter).
 */
export function pulseEnvironment(context: RunContext, names: CellNames): NodeJS.ProcessEnv {
  const windowLabel = `${context.options.windowMs / 1000}s`;
  return {
    PULSE_KAFKA_BROKERS: context.options.brokers.join(','),
    PULSE_TOPIC_PREFIX: names.topicPrefix,
    PULSE_INFLUX_URL: context.options.influxUrl,
    PULSE_INFLUX_API: 'v1',
    PULSE_INFLUX_DATABASE: names.database,
    PULSE_API_KEYS_FILE: context.credentials.apiKeysFile,
    PULSE_RATE_LIMIT_PER_SECOND: '10000000',
    PULSE_RATE_LIMIT_BURST: '10000000',
    PULSE_WINDOWS: windowLabel,
    PULSE_LOG_LEVEL: 'info',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ...(context.options.profile ? { NODE_OPTIONS: profilingNodeOptions(profileDirOf(names)) } : {}),
    ...context.options.serviceEnv,
  };
}

export function profileDirOf(names: CellNames): string {
  return join(names.logDir, 'profiles');
}

/** Pulse's own services, one process each, exactly as `npm start` runs them. */
export async function startPulse(
  context: RunContext,
  names: CellNames,
  services: readonly ServiceName[],
): Promise<PipelineSystem> {
  const overrides: Partial<Record<ServiceName, { port: number; env: NodeJS.ProcessEnv }>> = {};
  for (const name of services) {
    overrides[name] = {
      port: await freePort(),
      env: { PULSE_CONSUMER_GROUP: `${names.groupPrefix}-${name}` },
    };
  }
  const fleet = await Fleet.start({
    repoRoot: context.repoRoot,
    logDir: names.logDir,
    env: pulseEnvironment(context, names),
    services: overrides,
    only: services,
    nodeBinary: context.nodeBinary,
    readyTimeoutMs: 120_000,
  });
  return {
    stages: fleet.members.flatMap((member) => {
      const stage = STAGE_OF[member.name];
      return stage ? [{ name: member.name, metricsUrl: `${member.url}/metrics`, stage }] : [];
    }),
    processes: fleet.members.map((member) => ({
      name: member.name,
      pid: member.process.pid,
      role: 'pipeline' as const,
    })),
    ingestUrl: services.includes('ingestion') ? fleet.url('ingestion') : undefined,
    profileDir: context.options.profile ? profileDirOf(names) : undefined,
    crashed: () => fleet.crashed().map((member) => member.name),
    stop: () => fleet.stop(),
  };
}
