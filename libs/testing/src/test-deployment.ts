import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Fleet,
  SERVICE_NAMES,
  freePort,
  runCommand,
  type FleetMember,
  type MonitoredService,
  type ServiceName,
  type ServiceOverrides,
} from '@pulse/fleet';
import { continueProcess, stopProcess } from './process-stop';
import { DeploymentIsolation, IsolatedDeployment, type StackAddresses } from './deployment-isolation';

export interface TestDeploymentOptions {
  /** Names the topics, groups, database and log dir (`tmp/test-logs/<label>`). */
  label: string;
  /** Default: all five. */
  services?: readonly ServiceName[];
  /** A private broker or InfluxDB instead of the shared one. */
  stack?: Partial<StackAddresses>;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
  /** Extra environment for one service. */
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** The alert rules (YAML), when alert is among the services; none by default. */
  alertRules?: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * One isolated Pulse deployment for a test (`DeploymentIsolation`), its services as separate
 * processes (libs/fleet, from `npm run build`) on free ports, configured only through environment
 * variables as in production, with the sample reference data loaded by the operator CLI. A
 * service can be frozen, killed with SIGKILL or stopped with SIGTERM, started again on the same
 * port with the same environment (as a container runtime restarts a crashed pod), and run as
 * more than one instance.
 */
export class TestDeployment extends IsolatedDeployment {
  private readonly current = new Map<ServiceName, FleetMember>();
  /** Further instances started by `addInstance` (more pods of one service). */
  private readonly extra: FleetMember[] = [];
  /** Processes stopped with SIGSTOP: `stop` resumes them first, or SIGTERM would wait on them. */
  private readonly frozen = new Set<number>();
  private readonly fleets: Fleet[] = [];
  /** Restarts under way: `stop` waits for them, so no process it started is left behind. */
  private readonly starting = new Set<Promise<Fleet>>();

  private constructor(
    isolation: DeploymentIsolation,
    private readonly env: NodeJS.ProcessEnv,
    private readonly overrides: Partial<Record<ServiceName, ServiceOverrides>>,
  ) {
    super(isolation);
  }

  static async start(options: TestDeploymentOptions): Promise<TestDeployment> {
    const isolation = await DeploymentIsolation.create(options);
    const overrides: Partial<Record<ServiceName, ServiceOverrides>> = {};
    let deployment: TestDeployment | undefined;
    try {
      const services = options.services ?? SERVICE_NAMES;
      for (const name of services) {
        overrides[name] = {
          port: await freePort(),
          env: { PULSE_CONSUMER_GROUP: isolation.consumerGroup(name), ...options.serviceEnv?.[name] },
        };
      }
      const env: NodeJS.ProcessEnv = {
        ...isolation.connectionEnv(),
        ...isolation.hostFilesEnv(isolation.writeAlertRules(options.alertRules)),
        ...(overrides.reporting
          ? { PULSE_REPORTING_URL: `http://127.0.0.1:${overrides.reporting.port}` }
          : {}),
        ...options.env,
      };
      deployment = new TestDeployment(isolation, env, overrides);
      await deployment.pulse(
        ...DeploymentIsolation.referenceLoadArgs(join(isolation.repoRoot, 'deploy', 'sample-data')),
      );
      deployment.adopt(
        await Fleet.start({
          repoRoot: isolation.repoRoot,
          logDir: isolation.logDir,
          env,
          services: overrides,
          only: services,
          readyTimeoutMs: READY_TIMEOUT_MS,
        }),
      );
    } catch (error) {
      await (deployment?.stop() ?? isolation.cleanup());
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

  /** The running services, for `waitForQuiet`, `waitUntilSettled` and `readFleetFigures`. */
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
    const fleet = await this.startFleet(name, { ...own, port: await freePort() }, logDir);
    this.fleets.push(fleet);
    this.extra.push(...fleet.members);
    return fleet.members[0] as FleetMember;
  }

  /**
   * SIGSTOP: the process keeps its sockets and its place in the consumer group until its session
   * times out, and does nothing — a long GC pause, a frozen pod, a throttled container. Returns
   * once every thread of it is stopped.
   */
  freeze(target: ServiceName | FleetMember): void {
    const pid = typeof target === 'string' ? this.pid(target) : target.process.pid;
    this.frozen.add(pid);
    stopProcess(pid);
  }

  /** SIGCONT: it runs on from where it was stopped, unaware of the time that passed. */
  thaw(target: ServiceName | FleetMember): void {
    const pid = typeof target === 'string' ? this.pid(target) : target.process.pid;
    continueProcess(pid);
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
      { cwd: this.repoRoot, env: this.isolation.cliEnv() },
    );
    return output;
  }

  /** Starts the service again on its port with its environment; resolves once it is ready. */
  async restart(name: ServiceName): Promise<void> {
    if (this.member(name).process.running) throw new Error(`${name} is still running`);
    this.adopt(await this.startFleet(name, this.overrides[name] ?? {}, this.logDir));
  }

  /**
   * Stops every process it started (by PID, SIGKILL after a timeout), then removes the topics,
   * the database and the scratch files. Safe to call after a failed start.
   */
  async stop(): Promise<void> {
    try {
      for (const pid of this.frozen) {
        try {
          continueProcess(pid);
        } catch {
          // Already gone.
        }
      }
      this.frozen.clear();
      // A fleet that fails to start stops its own processes; one that starts is adopted.
      await Promise.allSettled([...this.starting]);
      await Promise.all(this.fleets.map((fleet) => fleet.stop({ timeoutMs: STOP_TIMEOUT_MS })));
    } finally {
      await this.isolation.cleanup();
    }
  }

  /** One service, tracked until it is ready so that `stop` never leaves it behind. */
  private async startFleet(name: ServiceName, overrides: ServiceOverrides, logDir: string): Promise<Fleet> {
    const starting = Fleet.start({
      repoRoot: this.repoRoot,
      logDir,
      env: this.env,
      services: { [name]: overrides },
      only: [name],
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    this.starting.add(starting);
    try {
      return await starting;
    } finally {
      this.starting.delete(starting);
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
}
