import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Fleet,
  SlackReceiver,
  ensureLocalCredentials,
  findRepoRoot,
  freePort,
  runCommand,
  type FleetMember,
  type LocalCredentials,
  type MonitoredService,
  type ServiceName,
  type ServiceOverrides,
} from '@pulse/fleet';
import { createTestTopics, dropTestDatabase, stack, uniqueName, type TestTopics } from '@pulse/testing';

/** Where the deployment's Kafka, InfluxDB and NATS are: the shared local stack unless told. */
export interface StackAddresses {
  kafkaBrokers: readonly string[];
  influxUrl: string;
  natsUrl: string;
}

export interface DeploymentOptions {
  /** Names the topics, groups, database and log dir (`tmp/resilience-logs/<label>`). */
  label: string;
  services: readonly ServiceName[];
  /** A private broker or InfluxDB instead of the shared one. */
  stack?: Partial<StackAddresses>;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment for one service. */
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** The alert rules (YAML), when alert is among the services. */
  alertRules?: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * One isolated Pulse deployment for a fault-injection test: its own topics, consumer groups,
 * InfluxDB database, credentials and Slack receiver, and the chosen services as separate
 * processes (libs/fleet) configured only through environment variables. A service can be killed
 * with SIGKILL and started again on the same port with the same environment — as a container
 * runtime would restart a crashed pod.
 */
export class Deployment {
  private readonly current = new Map<ServiceName, FleetMember>();
  /** Further instances started by `addInstance` (more pods of one service). */
  private readonly extra: FleetMember[] = [];
  /** Processes stopped with SIGSTOP: `stop` resumes them first, or SIGTERM would wait on them. */
  private readonly frozen = new Set<number>();
  private readonly fleets: Fleet[] = [];
  /** Restarts under way: `stop` waits for them, so no process it started is left behind. */
  private readonly starting = new Set<Promise<Fleet>>();

  private constructor(
    readonly label: string,
    readonly repoRoot: string,
    readonly stack: StackAddresses,
    readonly topics: TestTopics,
    readonly database: string,
    readonly credentials: LocalCredentials,
    readonly slack: SlackReceiver,
    readonly logDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly overrides: Partial<Record<ServiceName, ServiceOverrides>>,
    private readonly scratch: string,
  ) {}

  static async start(options: DeploymentOptions): Promise<Deployment> {
    const repoRoot = findRepoRoot(__dirname);
    const addresses: StackAddresses = {
      kafkaBrokers: options.stack?.kafkaBrokers ?? stack.kafkaBrokers,
      influxUrl: options.stack?.influxUrl ?? stack.influxUrl,
      natsUrl: options.stack?.natsUrl ?? stack.natsUrl,
    };
    const logDir = join(repoRoot, 'tmp', 'resilience-logs', options.label);
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
    const scratch = mkdtempSync(join(tmpdir(), `pulse-resilience-${options.label}-`));
    const database = uniqueName(options.label);
    const groups = uniqueName(options.label);
    const credentials = ensureLocalCredentials(join(scratch, 'credentials'));
    const overrides: Partial<Record<ServiceName, ServiceOverrides>> = {};
    for (const name of options.services) {
      overrides[name] = {
        port: await freePort(),
        env: { PULSE_CONSUMER_GROUP: `${groups}-${name}`, ...options.serviceEnv?.[name] },
      };
    }
    const rulesFile = join(scratch, 'alert-rules.yaml');
    writeFileSync(rulesFile, options.alertRules ?? 'rules: []\n');
    const env: NodeJS.ProcessEnv = {
      PULSE_KAFKA_BROKERS: addresses.kafkaBrokers.join(','),
      PULSE_TOPIC_PREFIX: topics.prefix,
      PULSE_INFLUX_URL: addresses.influxUrl,
      PULSE_INFLUX_DATABASE: database,
      PULSE_NATS_URL: addresses.natsUrl,
      PULSE_LOG_LEVEL: 'info',
      PULSE_API_KEYS_FILE: credentials.apiKeysFile,
      PULSE_REPORTING_TOKENS_FILE: credentials.reportingTokensFile,
      PULSE_ALERT_WRITE_TOKENS_FILE: credentials.alertTokensFile,
      PULSE_SLACK_WEBHOOK_URL: slack.url,
      PULSE_ALERT_RULES_FILE: rulesFile,
      ...(overrides.reporting ? { PULSE_REPORTING_URL: `http://127.0.0.1:${overrides.reporting.port}` } : {}),
      ...options.env,
    };
    const deployment = new Deployment(
      options.label,
      repoRoot,
      addresses,
      topics,
      database,
      credentials,
      slack,
      logDir,
      env,
      overrides,
      scratch,
    );
    try {
      await deployment.loadReferenceData();
      const fleet = await Fleet.start({
        repoRoot,
        logDir,
        env,
        services: overrides,
        only: options.services,
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
      deployment.adopt(fleet);
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  url(name: ServiceName): string {
    return this.member(name).url;
  }

  pid(name: ServiceName): number {
    return this.member(name).process.pid;
  }

  /** The running services, for `waitForQuiet` and `readFleetFigures`. */
  monitored(): MonitoredService[] {
    return [...this.current.values(), ...this.extra].map(({ name, url }) => ({ name, url }));
  }

  /** Services whose current process has exited (not counting those killed on purpose and restarted). */
  crashed(): ServiceName[] {
    return [...this.current.values(), ...this.extra]
      .filter((member) => !member.process.running)
      .map((member) => member.name);
  }

  /**
   * One more instance of a service, as a second pod would be: same environment and consumer
   * group, its own port and log dir (`<logDir>/instance-<n>`). Resolves once it is ready.
   */
  async addInstance(name: ServiceName): Promise<FleetMember> {
    const own = this.overrides[name];
    if (own === undefined) throw new Error(`${name} is not part of the ${this.label} deployment`);
    const logDir = join(this.logDir, `instance-${this.extra.length + 2}`);
    mkdirSync(logDir, { recursive: true });
    const starting = Fleet.start({
      repoRoot: this.repoRoot,
      logDir,
      env: this.env,
      services: { [name]: { ...own, port: await freePort() } },
      only: [name],
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    this.starting.add(starting);
    try {
      const fleet = await starting;
      this.fleets.push(fleet);
      this.extra.push(...fleet.members);
      return fleet.members[0] as FleetMember;
    } finally {
      this.starting.delete(starting);
    }
  }

  /**
   * SIGSTOP: the process keeps its sockets and its place in the consumer group until its session
   * times out, and does nothing — a long GC pause, a frozen pod, a throttled container.
   */
  freeze(target: ServiceName | FleetMember): void {
    const pid = typeof target === 'string' ? this.pid(target) : target.process.pid;
    process.kill(pid, 'SIGSTOP');
    this.frozen.add(pid);
  }

  /** SIGCONT: it runs on from where it was stopped, unaware of the time that passed. */
  thaw(target: ServiceName | FleetMember): void {
    const pid = typeof target === 'string' ? this.pid(target) : target.process.pid;
    process.kill(pid, 'SIGCONT');
    this.frozen.delete(pid);
  }

  /** `kill -9`: no drain, no commit, no goodbye to the consumer group. */
  async kill(name: ServiceName): Promise<void> {
    const { process: child } = this.member(name);
    process.kill(child.pid, 'SIGKILL');
    const exit = await child.exited;
    if (exit.signal !== 'SIGKILL') {
      throw new Error(`${name} exited by itself (code ${exit.code}) before the kill reached it`);
    }
  }

  /**
   * SIGTERM, as a rolling deploy stops a pod: the service drains, commits and leaves its consumer
   * groups. Resolves once it exited.
   */
  async terminate(name: ServiceName): Promise<void> {
    const { process: child } = this.member(name);
    process.kill(child.pid, 'SIGTERM');
    await child.exited;
  }

  /**
   * Runs the operator CLI (`pulse <args>`, the built one) against this deployment's Kafka and
   * topics, as an operator would; resolves with its output (stdout and stderr), rejects if it
   * does not exit 0.
   */
  async pulse(...args: string[]): Promise<string> {
    const { output } = await runCommand(
      process.execPath,
      [join(this.repoRoot, 'dist', 'tools', 'cli', 'src', 'main.js'), ...args],
      {
        cwd: this.repoRoot,
        env: {
          PULSE_KAFKA_BROKERS: this.stack.kafkaBrokers.join(','),
          PULSE_TOPIC_PREFIX: this.topics.prefix,
        },
      },
    );
    return output;
  }

  /** Starts the service again on its port with its environment; resolves once it is ready. */
  async restart(name: ServiceName): Promise<void> {
    if (this.member(name).process.running) throw new Error(`${name} is still running`);
    const starting = Fleet.start({
      repoRoot: this.repoRoot,
      logDir: this.logDir,
      env: this.env,
      services: { [name]: this.overrides[name] },
      only: [name],
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    this.starting.add(starting);
    try {
      this.adopt(await starting);
    } finally {
      this.starting.delete(starting);
    }
  }

  /**
   * Stops every process it started (by PID, SIGKILL after a timeout), then removes the topics,
   * the database and the scratch files. Safe to call after a failed start.
   */
  async stop(): Promise<void> {
    try {
      for (const pid of this.frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Already gone.
        }
      }
      this.frozen.clear();
      // A fleet that fails to start stops its own processes; one that starts is adopted.
      await Promise.allSettled([...this.starting]);
      await Promise.all(this.fleets.map((fleet) => fleet.stop({ timeoutMs: STOP_TIMEOUT_MS })));
    } finally {
      await this.slack.close();
      await this.topics.cleanup();
      await dropTestDatabase(this.database, this.stack.influxUrl);
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }

  private adopt(fleet: Fleet): void {
    this.fleets.push(fleet);
    for (const member of fleet.members) this.current.set(member.name, member);
  }

  private member(name: ServiceName): FleetMember {
    const member = this.current.get(name);
    if (!member) throw new Error(`${name} is not part of the ${this.label} deployment`);
    return member;
  }

  /** The sample catalogue and customers, loaded by the operator CLI as an operator would. */
  private async loadReferenceData(): Promise<void> {
    const sample = join(this.repoRoot, 'deploy', 'sample-data');
    await this.pulse(
      'reference',
      'load',
      '--products',
      join(sample, 'products.json'),
      '--customers',
      join(sample, 'customers.csv'),
    );
  }
}
