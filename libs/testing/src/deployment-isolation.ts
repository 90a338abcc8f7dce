import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SlackReceiver,
  ensureLocalCredentials,
  findRepoRoot,
  type LocalCredentials,
  type ServiceName,
} from '@pulse/fleet';
import { createTestTopics, type TestTopics } from './kafka-fixtures';
import { dropTestDatabase, stack, uniqueName } from './stack';

/** Where a deployment's Kafka, InfluxDB and NATS are: the shared local stack unless told. */
export interface StackAddresses {
  kafkaBrokers: readonly string[];
  influxUrl: string;
  natsUrl: string;
}

export interface DeploymentIsolationOptions {
  /** Names the topics, consumer groups, database and log dir (`tmp/test-logs/<label>`). */
  label: string;
  /** A private broker or InfluxDB instead of the shared one. */
  stack?: Partial<StackAddresses>;
}

/**
 * What keeps one test's deployment of Pulse apart from every other, however its services run
 * (processes: `TestDeployment`; containers: the images suite): its own topics, consumer groups
 * and InfluxDB database (named by `uniqueName`, so the global setup can remove what a killed run
 * left), credentials, Slack receiver, scratch dir and log dir — and the environment that points
 * a service at them.
 */
export class DeploymentIsolation {
  private constructor(
    readonly label: string,
    readonly repoRoot: string,
    readonly stack: StackAddresses,
    readonly topics: TestTopics,
    /** The database, and the prefix of every consumer group. */
    readonly name: string,
    readonly credentials: LocalCredentials,
    readonly slack: SlackReceiver,
    readonly logDir: string,
    /** Private to the test (mode 0700), removed by `cleanup`. */
    readonly scratch: string,
  ) {}

  static async create(options: DeploymentIsolationOptions): Promise<DeploymentIsolation> {
    const repoRoot = findRepoRoot(__dirname);
    const addresses: StackAddresses = {
      kafkaBrokers: options.stack?.kafkaBrokers ?? stack.kafkaBrokers,
      influxUrl: options.stack?.influxUrl ?? stack.influxUrl,
      natsUrl: options.stack?.natsUrl ?? stack.natsUrl,
    };
    const logDir = join(repoRoot, 'tmp', 'test-logs', options.label);
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    const topics = await createTestTopics(options.label, 3, addresses.kafkaBrokers);
    let slack: SlackReceiver;
    try {
      slack = await SlackReceiver.start();
    } catch (error) {
      await topics.cleanup();
      throw error;
    }
    const scratch = mkdtempSync(join(tmpdir(), `pulse-test-${options.label}-`));
    const credentials = ensureLocalCredentials(join(scratch, 'credentials'));
    return new DeploymentIsolation(
      options.label,
      repoRoot,
      addresses,
      topics,
      uniqueName(options.label),
      credentials,
      slack,
      logDir,
      scratch,
    );
  }

  get database(): string {
    return this.name;
  }

  consumerGroup(service: ServiceName): string {
    return `${this.name}-${service}`;
  }

  /** What every service needs to reach this deployment's Kafka topics, database and NATS. */
  connectionEnv(): Record<string, string> {
    return {
      ...this.cliEnv(),
      PULSE_INFLUX_URL: this.stack.influxUrl,
      PULSE_INFLUX_DATABASE: this.database,
      PULSE_NATS_URL: this.stack.natsUrl,
      PULSE_LOG_LEVEL: 'info',
    };
  }

  /** What the operator CLI needs: the broker and the topic prefix. */
  cliEnv(): Record<string, string> {
    return { PULSE_KAFKA_BROKERS: this.stack.kafkaBrokers.join(','), PULSE_TOPIC_PREFIX: this.topics.prefix };
  }

  /** The credentials, Slack receiver and alert rules as a process on this host reads them. */
  hostFilesEnv(alertRulesFile: string): Record<string, string> {
    return {
      PULSE_API_KEYS_FILE: this.credentials.apiKeysFile,
      PULSE_REPORTING_TOKENS_FILE: this.credentials.reportingTokensFile,
      PULSE_ALERT_WRITE_TOKENS_FILE: this.credentials.alertTokensFile,
      PULSE_SLACK_WEBHOOK_URL: this.slack.url,
      PULSE_ALERT_RULES_FILE: alertRulesFile,
    };
  }

  /**
   * The alert rules (YAML) as `<scratch>/rules/alert-rules.yaml`, world-readable like a
   * ConfigMap's files (a container's user reads them too); returns the file.
   */
  writeAlertRules(rules = 'rules: []\n'): string {
    const dir = join(this.scratch, 'rules');
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const file = join(dir, 'alert-rules.yaml');
    writeFileSync(file, rules, { mode: 0o644 });
    return file;
  }

  /**
   * The operator CLI's arguments that load the sample catalogue and customers from `sampleDir`
   * (deploy/sample-data, or where a container mounts it), as an operator would.
   */
  static referenceLoadArgs(sampleDir: string): string[] {
    return [
      'reference',
      'load',
      '--products',
      join(sampleDir, 'products.json'),
      '--customers',
      join(sampleDir, 'customers.csv'),
    ];
  }

  /** Removes the topics, the database and the scratch files, and closes the Slack receiver. */
  async cleanup(): Promise<void> {
    try {
      await this.slack.close();
    } finally {
      await this.topics.cleanup();
      await dropTestDatabase(this.database, this.stack.influxUrl);
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}

/**
 * A deployment running on a `DeploymentIsolation` (processes: `TestDeployment`; containers: the
 * images suite's fleet), with what a test reads of it.
 */
export abstract class IsolatedDeployment {
  protected constructor(readonly isolation: DeploymentIsolation) {}

  get label(): string {
    return this.isolation.label;
  }

  get repoRoot(): string {
    return this.isolation.repoRoot;
  }

  get stack(): StackAddresses {
    return this.isolation.stack;
  }

  get topics(): TestTopics {
    return this.isolation.topics;
  }

  get database(): string {
    return this.isolation.database;
  }

  get credentials(): LocalCredentials {
    return this.isolation.credentials;
  }

  get slack(): SlackReceiver {
    return this.isolation.slack;
  }

  get logDir(): string {
    return this.isolation.logDir;
  }
}
