import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import type { PidRegistry } from './pid-registry';
import { waitUntilReady } from './readiness';

/** The five services, in the order events flow through them. */
export const SERVICE_NAMES = ['ingestion', 'enrichment', 'aggregation', 'alert', 'reporting'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_SERVICE_PORTS: Readonly<Record<ServiceName, number>> = {
  ingestion: 3001,
  enrichment: 3002,
  aggregation: 3003,
  alert: 3004,
  reporting: 3005,
};

/** Where `npm run build` puts a service's entry point, relative to the repository root. */
export function serviceEntryPoint(repoRoot: string, name: ServiceName): string {
  return join(repoRoot, 'dist', 'services', name, 'src', 'main.js');
}

export interface ServiceOverrides {
  port?: number;
  env?: NodeJS.ProcessEnv;
}

export interface FleetOptions {
  repoRoot: string;
  /** Each service logs to `<logDir>/<name>.log`. */
  logDir: string;
  /** Environment given to every service on top of ours (Kafka, topic prefix, InfluxDB, OTel…). */
  env: NodeJS.ProcessEnv;
  services?: Partial<Record<ServiceName, ServiceOverrides>>;
  /** Start only these (default: all five). */
  only?: readonly ServiceName[];
  /** Node 24 from the repository; defaults to the binary running us. */
  nodeBinary?: string;
  readyTimeoutMs?: number;
  /** Records PIDs so that a launcher killed hard can stop them on its next start. */
  pidRegistry?: PidRegistry;
}

/** A service process we started, and where it answers. */
export interface ServiceInstance {
  name: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  process: ManagedProcess;
}

export interface FleetMember extends ServiceInstance {
  name: ServiceName;
}

/**
 * The five services as separate Node processes, exactly as they run in production (one process
 * per service, configured only through environment variables), for the local run and the e2e
 * suite.
 */
export class Fleet {
  private constructor(
    readonly members: readonly FleetMember[],
    private readonly pidRegistry: PidRegistry | undefined,
  ) {}

  /** Starts the services in parallel and waits until each answers `/health/ready`. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const names = options.only ?? SERVICE_NAMES;
    const missing = names
      .map((name) => serviceEntryPoint(options.repoRoot, name))
      .filter((file) => !existsSync(file));
    if (missing.length > 0) {
      throw new Error(`not built: ${missing.join(', ')} — run \`npm run build\` first`);
    }
    assertDistinctPorts(names, options);
    mkdirSync(options.logDir, { recursive: true });
    const members = names.map((name) => startMember(name, options));
    const fleet = new Fleet(members, options.pidRegistry);
    try {
      await Promise.all(
        members.map((member) =>
          waitUntilReady(member.process, `${member.url}/health/ready`, {
            timeoutMs: options.readyTimeoutMs ?? 90_000,
          }),
        ),
      );
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  member(name: ServiceName): FleetMember {
    const member = this.members.find((candidate) => candidate.name === name);
    if (!member) throw new Error(`${name} is not part of this fleet`);
    return member;
  }

  url(name: ServiceName): string {
    return this.member(name).url;
  }

  /** Services that exited although nobody asked them to. */
  crashed(): FleetMember[] {
    return this.members.filter((member) => !member.process.running);
  }

  /**
   * Ingestion first (no new input), then the rest together; each drains and commits on SIGTERM.
   */
  async stop({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const [first, ...rest] = this.members;
    const stopOne = async (member: FleetMember) => {
      await member.process.stop({ timeoutMs });
      this.pidRegistry?.remove(member.process.pid);
    };
    if (first) await stopOne(first);
    await Promise.all(rest.map(stopOne));
  }
}

/**
 * Two members on one port would not both fail: the second dies with EADDRINUSE, and the first
 * answers the second's readiness probe and then its traffic.
 */
function assertDistinctPorts(names: readonly ServiceName[], options: FleetOptions): void {
  const byPort = new Map<number, ServiceName[]>();
  for (const name of names) {
    const port = options.services?.[name]?.port ?? DEFAULT_SERVICE_PORTS[name];
    byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  const shared = [...byPort].filter(([, sharing]) => sharing.length > 1);
  if (shared.length > 0) {
    throw new Error(
      `services given the same port: ${shared.map(([port, sharing]) => `${sharing.join(' and ')} on ${port}`).join('; ')}`,
    );
  }
}

function startMember(name: ServiceName, options: FleetOptions): FleetMember {
  const overrides = options.services?.[name] ?? {};
  const entry = serviceEntryPoint(options.repoRoot, name);
  const member = launchService({
    name,
    entry,
    port: overrides.port ?? DEFAULT_SERVICE_PORTS[name],
    cwd: options.repoRoot,
    logDir: options.logDir,
    env: { ...options.env, ...overrides.env },
    nodeBinary: options.nodeBinary,
  });
  options.pidRegistry?.add({ name, pid: member.process.pid, marker: entry });
  return { ...member, name };
}

export interface ServiceLaunch {
  /** Names the process and its log file (`<logDir>/<name>.log`). */
  name: string;
  /** The compiled entry point (`main.js`). */
  entry: string;
  /** HTTP port; a free one when left out. */
  port?: number;
  cwd: string;
  logDir: string;
  /** Environment on top of ours (minus what is per service by nature). */
  env: NodeJS.ProcessEnv;
  nodeBinary?: string;
  readyTimeoutMs?: number;
}

/**
 * One service as its own OS process, started exactly as the fleet starts each member, and ready
 * (`/health/ready` answered) when this resolves; for a test that runs several instances of one
 * service, kills and restarts them. Stopped only through the returned process (by its PID).
 */
export async function startService(launch: ServiceLaunch): Promise<ServiceInstance> {
  const member = launchService({ ...launch, port: launch.port ?? (await freePort()) });
  try {
    await waitUntilReady(member.process, `${member.url}/health/ready`, {
      timeoutMs: launch.readyTimeoutMs ?? 60_000,
    });
  } catch (error) {
    await member.process.kill();
    throw error;
  }
  return member;
}

function launchService(launch: ServiceLaunch & { port: number }): ServiceInstance {
  const logFile = join(launch.logDir, `${launch.name}.log`);
  mkdirSync(launch.logDir, { recursive: true });
  appendFileSync(
    logFile,
    `\n--- ${new Date().toISOString()} starting ${launch.name} on port ${launch.port}\n`,
  );
  const child = ManagedProcess.start({
    name: launch.name,
    command: launch.nodeBinary ?? process.execPath,
    args: [launch.entry],
    cwd: launch.cwd,
    env: withDeployedMemorySettings({
      ...inheritedEnv(),
      ...launch.env,
      PULSE_HTTP_PORT: String(launch.port),
    }),
    logFile,
  });
  return { name: launch.name, port: launch.port, url: `http://127.0.0.1:${launch.port}`, process: child };
}

/**
 * V8's young generation as the Helm chart sizes it (`defaults.heap.semiSpaceMi`): left alone, V8
 * grows each semi-space to 64 MiB under load, about 100 MB more resident memory per service for no
 * gain in throughput or CPU (docs/performance.md, "Memory"). A NODE_OPTIONS that already sets the
 * semi-space (an experiment, `--service-env`) is kept.
 */
export const LOCAL_SEMI_SPACE_MIB = 8;

/**
 * glibc's allocator as the image sets it (deploy/docker/Dockerfile): two arenas instead of one per
 * thread, and buffers of 128 KiB and more (Kafka fetch responses) mapped and unmapped on their own
 * instead of fragmenting the heap that glibc never gives back. An environment that sets
 * GLIBC_TUNABLES is kept.
 */
export const GLIBC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072';

/** The memory settings a service runs with in its image and chart, so local runs and the bench match. */
function withDeployedMemorySettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = env.NODE_OPTIONS ?? '';
  const semiSpace = `--max-semi-space-size=${LOCAL_SEMI_SPACE_MIB}`;
  return {
    ...env,
    GLIBC_TUNABLES: env.GLIBC_TUNABLES ?? GLIBC_TUNABLES,
    NODE_OPTIONS: /--max-semi-space-size\b/.test(nodeOptions)
      ? nodeOptions
      : [nodeOptions, semiSpace].filter((part) => part !== '').join(' '),
  };
}

/**
 * Our environment minus what is per service by nature: one exported PULSE_CONSUMER_GROUP would
 * otherwise put all five services into one consumer group.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const { PULSE_CONSUMER_GROUP: _group, PULSE_HTTP_PORT: _port, ...rest } = process.env;
  return rest;
}
