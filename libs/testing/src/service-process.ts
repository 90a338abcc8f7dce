import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { uniqueName, waitFor } from './stack';

/** The repository root (where package.json and node_modules are). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('repository root (nx.json) not found');
    dir = parent;
  }
  return dir;
}

export interface CompiledWorkspace {
  /** Where the JavaScript went (inside the repo, so node_modules resolve). */
  readonly dir: string;
  /** The compiled entry point of a service, e.g. `entryOf('aggregation')`. */
  entryOf(service: string): string;
  cleanup(): void;
}

/**
 * Compiles libs/ and the given services with swc, as `npm run build` does, into a fresh folder
 * under tmp/, so tests can run services as separate OS processes (and kill them) without
 * touching the shared dist/.
 */
export async function compileServices(services: readonly string[]): Promise<CompiledWorkspace> {
  const root = repoRoot();
  const dir = join(root, 'tmp', uniqueName('build'));
  const swc = join(root, 'node_modules', '.bin', 'swc');
  const args = [
    'libs',
    ...services.map((service) => `services/${service}`),
    '-d',
    dir,
    '--config-file',
    '.swcrc',
    '--extensions',
    '.ts',
    '--ignore',
    '**/*.spec.ts,**/*.integration-spec.ts,**/*.e2e-spec.ts,**/jest*.config.ts,**/*.d.ts',
  ];
  const output: string[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(swc, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`swc failed (exit ${code}): ${output.join('').slice(-2000)}`);
  return {
    dir,
    entryOf: (service) => join(dir, 'services', service, 'src', 'main.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const started = new Set<ServiceProcess>();

/** A TCP port free right now on 127.0.0.1 (the service binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A service started as its own OS process on a free port, with its
 * output kept for failure messages. Only ever stopped by its own PID.
 */
export class ServiceProcess {
  private readonly lines: string[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    /** Base URL of the service's HTTP server. */
    readonly url: string,
  ) {
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.lines.push(line);
        if (this.lines.length > 2_000) this.lines.shift();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        started.delete(this);
        done();
      }),
    );
  }

  /** Starts `node <entry>` on a free port with the environment; waits until /health/ready answers 200. */
  static async start(
    name: string,
    entry: string,
    env: Record<string, string>,
    { readyTimeoutMs = 60_000 }: { readyTimeoutMs?: number } = {},
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [entry], {
      cwd: repoRoot(),
      env: { ...process.env, PULSE_HTTP_PORT: String(port), PULSE_HTTP_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(name, child, `http://127.0.0.1:${port}`);
    started.add(service);
    const ready = waitFor(
      `${name} to be ready`,
      async () => {
        const response = await fetch(`${service.url}/health/ready`).catch(() => undefined);
        return response?.status === 200;
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 100 },
    );
    const died = service.exited.then(() => {
      throw new Error(`${name} exited before it was ready: ${JSON.stringify(service.exitInfo)}`);
    });
    try {
      await Promise.race([ready, died]);
    } catch (error) {
      await service.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n--- ${name} output ---\n${service.output(40)}`);
    } finally {
      died.catch(() => undefined);
    }
    return service;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines the process printed. */
  output(lines = 60): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Sends a signal (SIGKILL: no chance to clean up) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exitInfo !== undefined) return;
    this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM (graceful: drain, commit), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.exitInfo !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Kills every ServiceProcess still running (for afterAll). */
export async function killServiceProcesses(): Promise<void> {
  await Promise.all([...started].map((service) => service.kill('SIGKILL')));
}
