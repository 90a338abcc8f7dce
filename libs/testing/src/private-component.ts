import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCommand } from '@pulse/fleet';
import { continueProcess, stopProcess } from './process-stop';

/** The local-stack components a test may own privately (deploy/local/<name>.sh). */
export type PrivateComponentName = 'kafka' | 'influxdb';

/** The variables deploy/local reads for each component's two ports (main, then auxiliary). */
const PORT_VARIABLES: Record<PrivateComponentName, readonly [string, string]> = {
  kafka: ['PULSE_KAFKA_PORT', 'PULSE_KAFKA_CONTROLLER_PORT'],
  influxdb: ['PULSE_INFLUXDB_PORT', 'PULSE_INFLUXDB_RPC_PORT'],
};

/**
 * A Kafka broker or an InfluxDB that belongs to one test alone: started by the project's own
 * deploy/local script with its own state dir and free ports, so the test may stop and restart
 * it at will while the shared stack (which other suites use at the same time) is left alone.
 * The script stops only what it started in this dir, by PID file.
 */
export class PrivateComponent {
  private frozen = false;

  private constructor(
    readonly name: PrivateComponentName,
    private readonly repoRoot: string,
    private readonly stackDir: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `env` adds variables its deploy/local script reads, e.g. PULSE_KAFKA_HEAP_OPTS. */
  static async start(
    name: PrivateComponentName,
    repoRoot: string,
    { env: extra = {} }: { env?: Record<string, string> } = {},
  ): Promise<PrivateComponent> {
    const stackDir = mkdtempSync(join(tmpdir(), `pulse-private-${name}-`));
    const [mainVariable, auxiliaryVariable] = PORT_VARIABLES[name];
    const port = await freePort();
    const env = {
      ...extra,
      PULSE_STACK_DIR: stackDir,
      [mainVariable]: String(port),
      [auxiliaryVariable]: String(await freePort()),
    };
    const component = new PrivateComponent(name, repoRoot, stackDir, port, env);
    try {
      await component.up();
    } catch (error) {
      await component.destroy();
      throw error;
    }
    return component;
  }

  /** host:port, as Kafka clients want it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** http://host:port, as InfluxDB clients want it. */
  get url(): string {
    return `http://${this.address}`;
  }

  /** Starts it (again, data kept) and returns once it answers. */
  async up(): Promise<void> {
    await this.script('up');
  }

  /** Stops it (SIGTERM, as an operator's restart or a node drain would); its data stays. */
  async down(): Promise<void> {
    await this.script('down');
  }

  /**
   * SIGSTOP: a stall, not an outage. The process and its sockets stay, the kernel still accepts
   * connections and buffers requests, and nothing is answered until `thaw` — as a long GC or
   * compaction pause, a frozen pod or a congested network looks to a client. Returns once every
   * thread of it is stopped.
   */
  freeze(): void {
    this.frozen = true;
    stopProcess(this.pid());
  }

  /** SIGCONT: it runs again and works through what it was sent meanwhile. */
  thaw(): void {
    continueProcess(this.pid());
    this.frozen = false;
  }

  /** The server process, from the PID file its deploy/local script keeps. */
  pid(): number {
    const pid = Number(readFileSync(join(this.stackDir, 'run', `${this.name}.pid`), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no PID for the private ${this.name}`);
    return pid;
  }

  /**
   * Stops it and deletes its state dir. Never throws: it runs in test teardown. If it could not
   * be stopped, the dir (with its PID file) is kept so that `down` can be run by hand.
   */
  async destroy(): Promise<void> {
    try {
      // A frozen process would not act on SIGTERM until thawed.
      if (this.frozen) this.thaw();
      await this.down();
    } catch (error) {
      process.stderr.write(
        `could not stop the private ${this.name} (state in ${this.stackDir}): ${(error as Error).message}\n`,
      );
      return;
    }
    rmSync(this.stackDir, { recursive: true, force: true });
  }

  private async script(verb: 'up' | 'down'): Promise<void> {
    await runCommand('bash', [join(this.repoRoot, 'deploy', 'local', `${this.name}.sh`), verb], {
      cwd: this.repoRoot,
      env: this.env,
    });
  }
}
