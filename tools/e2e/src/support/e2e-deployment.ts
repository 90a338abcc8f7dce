import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Fleet,
  SERVICE_NAMES,
  SlackReceiver,
  ensureLocalCredentials,
  findRepoRoot,
  freePort,
  runCommand,
  type LocalCredentials,
  type ServiceName,
  type ServiceOverrides,
} from '@pulse/fleet';
import { createTestTopics, dropTestDatabase, stack, uniqueName, type TestTopics } from '@pulse/testing';

export interface DeploymentOptions {
  label: string;
  /** The alert rules the test expects to fire (a YAML file). */
  alertRulesFile: string;
  /** OTLP/HTTP endpoint the services export traces to; tracing stays off without it. */
  otlpEndpoint?: string;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
}

/**
 * One isolated Pulse deployment for a test: its own topic prefix, consumer groups and InfluxDB
 * database, its own API key and reporting token, a Slack receiver, and the five services as
 * separate processes on free ports — configured only through environment variables, as in
 * production.
 */
export class E2eDeployment {
  private constructor(
    readonly repoRoot: string,
    readonly topics: TestTopics,
    readonly database: string,
    readonly credentials: LocalCredentials,
    readonly slack: SlackReceiver,
    readonly fleet: Fleet,
    readonly logDir: string,
    private readonly scratch: string,
  ) {}

  static async start(options: DeploymentOptions): Promise<E2eDeployment> {
    const repoRoot = findRepoRoot(__dirname);
    const scratch = mkdtempSync(join(tmpdir(), `pulse-e2e-${options.label}-`));
    const logDir = join(repoRoot, 'tmp', 'e2e-logs', options.label);
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    const topics = await createTestTopics(options.label);
    const database = uniqueName(options.label);
    const groups = uniqueName(options.label);
    const credentials = ensureLocalCredentials(join(scratch, 'credentials'));
    const slack = await SlackReceiver.start();
    try {
      await loadReferenceData(repoRoot, topics.prefix);
      const services: Partial<Record<ServiceName, ServiceOverrides>> = {};
      for (const name of SERVICE_NAMES) {
        services[name] = { port: await freePort(), env: { PULSE_CONSUMER_GROUP: `${groups}-${name}` } };
      }
      const fleet = await Fleet.start({
        repoRoot,
        logDir,
        env: {
          PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
          PULSE_TOPIC_PREFIX: topics.prefix,
          PULSE_INFLUX_URL: stack.influxUrl,
          PULSE_INFLUX_DATABASE: database,
          PULSE_NATS_URL: stack.natsUrl,
          PULSE_LOG_LEVEL: 'info',
          PULSE_API_KEYS_FILE: credentials.apiKeysFile,
          PULSE_REPORTING_TOKENS_FILE: credentials.reportingTokensFile,
          PULSE_ALERT_WRITE_TOKENS_FILE: credentials.alertTokensFile,
          PULSE_SLACK_WEBHOOK_URL: slack.url,
          PULSE_ALERT_RULES_FILE: options.alertRulesFile,
          PULSE_REPORTING_URL: `http://127.0.0.1:${services.reporting?.port}`,
          ...tracingEnv(options.otlpEndpoint),
          ...options.env,
        },
        services,
        readyTimeoutMs: 90_000,
      });
      return new E2eDeployment(repoRoot, topics, database, credentials, slack, fleet, logDir, scratch);
    } catch (error) {
      await slack.close();
      await topics.cleanup();
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  url(name: ServiceName): string {
    return this.fleet.url(name);
  }

  /** Stops the services (by PID), then removes the topics, the database and the scratch files. */
  async stop(): Promise<void> {
    try {
      await this.fleet.stop();
    } finally {
      await this.slack.close();
      await this.topics.cleanup();
      await dropTestDatabase(this.database);
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}

/**
 * Traces to the test's receiver. Parent-based sampling with ratio 0: background load is not
 * traced, but a request that arrives with a sampled `traceparent` is followed through every
 * service — which also proves the sampling configuration works.
 */
function tracingEnv(endpoint: string | undefined): NodeJS.ProcessEnv {
  if (endpoint === undefined) return {};
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
}

/** The sample catalogue and customers, loaded by the operator CLI as an operator would. */
async function loadReferenceData(repoRoot: string, prefix: string): Promise<void> {
  await runCommand(
    process.execPath,
    [
      join(repoRoot, 'dist', 'tools', 'cli', 'src', 'main.js'),
      'reference',
      'load',
      '--products',
      join(repoRoot, 'deploy', 'sample-data', 'products.json'),
      '--customers',
      join(repoRoot, 'deploy', 'sample-data', 'customers.csv'),
    ],
    { cwd: repoRoot, env: { PULSE_KAFKA_BROKERS: stack.kafkaBrokers.join(','), PULSE_TOPIC_PREFIX: prefix } },
  );
}
