import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type MonitoredService, type ServiceName } from '@pulse/fleet';
import { DeploymentIsolation, IsolatedDeployment } from '@pulse/testing';
import { podmanSecurity, renderChartPods, type ChartPod, type PodmanSecurity } from './chart-security';
import { REPO_ROOT, imageOf, podman, tryPodman } from './podman';

export interface ContainerFleetOptions {
  /** Names the topics, groups, database, containers and log dir (`tmp/test-logs/<label>`). */
  label: string;
  services: readonly ServiceName[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  alertRules?: string;
}

export interface ServiceContainer {
  name: ServiceName;
  /** The podman container running it now. */
  container: string;
  port: number;
  url: string;
  /** From `podman run` to the first 2xx of `/health/ready`, per start. */
  startMs: number[];
}

export interface StopResult {
  exitCode: number;
  /** From `podman stop` to the container's exit. */
  stopMs: number;
}

/** Where the chart mounts the Secret and the alert rules. */
const SECRETS_DIR = '/etc/pulse/secrets';
const RULES_DIR = '/etc/pulse/rules';
const READY_TIMEOUT_MS = 90_000;
/** Every container of this suite carries it, so leftovers of a killed run can be found. */
const SUITE_LABEL = 'org.pulse.suite=images';
/** Older than any run of the suite can be: left behind by a killed run (see `removeLeftovers`). */
const LEFTOVER_AGE_MS = 60 * 60_000;

/**
 * The services as containers of the images `npm run images` built, on the host network against
 * the local stack, each run as the chart's pod would run it: its user, read-only root with a tmpfs
 * where the chart mounts an emptyDir, no capabilities, no privilege escalation, the Secret's files
 * mounted read-only for the pod's fsGroup, SIGTERM and the grace period on stop. Each fleet is
 * isolated as every test deployment is (`DeploymentIsolation`, @pulse/testing): its own topics,
 * consumer groups, InfluxDB database and credentials. The processes' counterpart is
 * `TestDeployment`.
 */
export class ContainerFleet extends IsolatedDeployment {
  private readonly members = new Map<ServiceName, ServiceContainer>();
  /** Every container this fleet created, removed by `stop` (by name: only ours). */
  private readonly created: string[] = [];
  /** The alert rules, in a directory of their own that is mounted where the chart mounts its ConfigMap. */
  private rulesFile = '';

  private constructor(
    isolation: DeploymentIsolation,
    private readonly pods: { services: Map<string, ChartPod>; cli: ChartPod },
    private readonly env: Record<string, string>,
  ) {
    super(isolation);
  }

  static async start(options: ContainerFleetOptions): Promise<ContainerFleet> {
    await removeLeftovers();
    const pods = renderChartPods(REPO_ROOT);
    const isolation = await DeploymentIsolation.create({ label: options.label });
    const env: Record<string, string> = {
      ...isolation.connectionEnv(),
      // Host network: listen on loopback only, not on every interface of the machine.
      PULSE_HTTP_HOST: '127.0.0.1',
      ...options.env,
    };
    const fleet = new ContainerFleet(isolation, pods, env);
    try {
      fleet.writeMounts(options.alertRules);
      await fleet.loadReferenceData();
      for (const name of options.services) {
        const port = await freePort();
        fleet.members.set(name, { name, container: '', port, url: `http://127.0.0.1:${port}`, startMs: [] });
      }
      if (fleet.members.has('reporting')) fleet.env['PULSE_REPORTING_URL'] = fleet.url('reporting');
      await Promise.all(options.services.map((name) => fleet.run(name)));
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  url(name: ServiceName): string {
    return this.member(name).url;
  }

  container(name: ServiceName): string {
    return this.member(name).container;
  }

  startTimes(): Record<string, number[]> {
    return Object.fromEntries([...this.members.values()].map((m) => [m.name, [...m.startMs]]));
  }

  /** The running services, for `waitForQuiet`. */
  monitored(): MonitoredService[] {
    return [...this.members.values()].map(({ name, url }) => ({ name, url }));
  }

  /** How the chart runs this service's container, as podman flags. */
  security(name: ServiceName): PodmanSecurity {
    const pod = this.pods.services.get(name);
    if (!pod) throw new Error(`the chart renders no Deployment for ${name}`);
    return podmanSecurity(pod, name);
  }

  /** Runs a command inside the service's container (as its user); resolves with code and output. */
  async exec(name: ServiceName, ...command: string[]): Promise<{ code: number | null; output: string }> {
    const { code, output } = await tryPodman('exec', this.member(name).container, ...command);
    return { code, output };
  }

  /**
   * `podman stop` as the kubelet stops a pod: SIGTERM (tini hands it to node), SIGKILL only after
   * the chart's grace period. Resolves with the container's exit code once it exited.
   */
  async terminate(name: ServiceName): Promise<StopResult> {
    const member = this.member(name);
    const started = Date.now();
    await podman('stop', '--time', String(this.security(name).gracePeriodSeconds), member.container);
    const stopMs = Date.now() - started;
    const exitCode = Number(await podman('inspect', '--format', '{{.State.ExitCode}}', member.container));
    await this.saveLogs(member.container);
    return { exitCode, stopMs };
  }

  /** A new container of the service (a new pod), same port and environment; resolves once ready. */
  async restart(name: ServiceName): Promise<void> {
    await this.run(name);
  }

  /** The operator CLI image, run as the chart's topics Job runs it; resolves with its output. */
  async cli(...args: string[]): Promise<string> {
    const security = podmanSecurity(this.pods.cli, 'topics');
    const container = `${this.isolation.name}-cli-${this.created.length}`;
    this.created.push(container);
    return podman(
      'run',
      '--name',
      container,
      '--label',
      SUITE_LABEL,
      '--network=host',
      ...security.args,
      '--volume',
      `${join(REPO_ROOT, 'deploy', 'sample-data')}:/sample-data:ro`,
      ...envArgs(this.isolation.cliEnv()),
      imageOf('cli'),
      ...args,
    );
  }

  /** Removes every container it created (logs kept in the log dir), the topics, the database, the files. */
  async stop(): Promise<void> {
    try {
      for (const container of this.created) {
        await this.saveLogs(container);
        await tryPodman('rm', '--force', '--time', '10', container);
      }
    } finally {
      await this.isolation.cleanup();
    }
  }

  private async run(name: ServiceName): Promise<void> {
    const member = this.member(name);
    const security = this.security(name);
    const container = `${this.isolation.name}-${name}-${member.startMs.length}`;
    const env: Record<string, string> = {
      // The chart's own settings (shutdown timeout, client id, …), then this fleet's.
      ...security.env,
      ...this.env,
      PULSE_HTTP_PORT: String(member.port),
      PULSE_CONSUMER_GROUP: this.isolation.consumerGroup(name),
    };
    this.created.push(container);
    member.container = container;
    const started = Date.now();
    await podman(
      'run',
      '--detach',
      '--name',
      container,
      '--label',
      SUITE_LABEL,
      '--network=host',
      ...security.args,
      '--volume',
      `${join(this.isolation.scratch, 'secrets')}:${SECRETS_DIR}:ro`,
      '--volume',
      `${dirname(this.rulesFile)}:${RULES_DIR}:ro`,
      ...envArgs(env),
      imageOf(name),
    );
    await this.waitUntilReady(member);
    member.startMs.push(Date.now() - started);
  }

  private async waitUntilReady(member: ServiceContainer): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      try {
        const response = await fetch(`${member.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
        last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (attempt % 8 === 0) {
        const running = await podman('inspect', '--format', '{{.State.Running}}', member.container);
        if (running !== 'true') {
          throw new Error(
            `${member.container} exited before it was ready:\n${await this.logTail(member.container)}`,
          );
        }
      }
      await sleep(250);
    }
    throw new Error(
      `${member.container} was not ready after ${READY_TIMEOUT_MS} ms (${last}):\n${await this.logTail(member.container)}`,
    );
  }

  /**
   * The Secret's files where the chart mounts them (every `*_FILE` variable of a service that
   * points into the Secret's directory), as the kubelet does: owner root, group the pod's fsGroup,
   * mode 0440. The alert rules as a ConfigMap (world-readable).
   */
  private writeMounts(alertRules: string | undefined): void {
    const contents: Record<string, string> = {
      PULSE_API_KEYS_FILE: readFileSync(this.credentials.apiKeysFile, 'utf8'),
      PULSE_REPORTING_TOKENS_FILE: readFileSync(this.credentials.reportingTokensFile, 'utf8'),
      PULSE_ALERT_WRITE_TOKENS_FILE: readFileSync(this.credentials.alertTokensFile, 'utf8'),
      // The write token may read too; one token for both keeps the fleet's credentials to three.
      PULSE_ALERT_READ_TOKENS_FILE: readFileSync(this.credentials.alertTokensFile, 'utf8'),
      PULSE_SLACK_WEBHOOK_URL_FILE: `${this.slack.url}\n`,
    };
    const secrets = join(this.isolation.scratch, 'secrets');
    mkdirSync(secrets, { mode: 0o755 });
    for (const name of this.pods.services.keys()) {
      const { env, fsGroup } = this.security(name as ServiceName);
      for (const [variable, path] of Object.entries(env)) {
        if (!variable.endsWith('_FILE') || !path.startsWith(`${SECRETS_DIR}/`)) continue;
        const content = contents[variable];
        if (content === undefined)
          throw new Error(`the chart mounts ${variable} (${path}); the suite has no value for it`);
        writeSecret(join(secrets, path.slice(SECRETS_DIR.length + 1)), content, fsGroup);
      }
    }
    this.rulesFile = this.isolation.writeAlertRules(alertRules);
    // The scratch dir is private to us (mkdtemp: 0700); the container's user must get through it.
    chmodSync(this.isolation.scratch, 0o711);
  }

  /** The sample catalogue and customers, loaded by the operator CLI image as an operator would. */
  private async loadReferenceData(): Promise<void> {
    await this.cli(...DeploymentIsolation.referenceLoadArgs('/sample-data'));
  }

  private async saveLogs(container: string): Promise<void> {
    const { output } = await tryPodman('logs', container);
    writeFileSync(join(this.logDir, `${container}.log`), output);
  }

  private async logTail(container: string): Promise<string> {
    const { output } = await tryPodman('logs', '--tail', '40', container);
    return output;
  }

  private member(name: ServiceName): ServiceContainer {
    const member = this.members.get(name);
    if (!member) throw new Error(`${name} is not part of the ${this.label} fleet`);
    return member;
  }
}

function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
}

function writeSecret(file: string, content: string, group: number): void {
  writeFileSync(file, content, { mode: 0o440 });
  chmodSync(file, 0o440);
  chownSync(file, 0, group);
}

/**
 * Removes this suite's containers that a killed run left behind (still running, on the host
 * network, consuming from deleted topics). Only those older than any run can be, so a concurrent
 * run keeps its own.
 */
async function removeLeftovers(): Promise<void> {
  const listed = JSON.parse(
    (await podman('ps', '--all', '--filter', `label=${SUITE_LABEL}`, '--format', 'json')) || '[]',
  ) as { Names: string[]; Created: number }[];
  const stale = listed.filter(({ Created }) => Date.now() - Created * 1000 > LEFTOVER_AGE_MS);
  for (const { Names } of stale) await tryPodman('rm', '--force', '--time', '5', ...Names);
}
