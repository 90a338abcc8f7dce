import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { LauncherAlreadyRunningError, PidRegistry } from './pid-registry';

describe('PidRegistry', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pids-'))));
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    // A failing test must not leave its sleepers running (Jest would wait for them).
    for (const child of spawned.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // This test process stands for the launcher claiming the file.
  const launcher = { name: 'npm start', pid: process.pid, marker: process.argv[1] ?? 'jest' };

  function sleeper(marker: string) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
    spawned.push(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_, signal) => resolve(signal)),
    );
    return { pid: child.pid!, exited, child };
  }

  it('stops what a launcher killed hard left behind, but only while the command line still matches', async () => {
    const file = join(dir, 'fleet.json');
    const mine = sleeper('pulse-marker-a');
    const reused = sleeper('something-else');
    const previous = new PidRegistry(file);
    previous.add({ name: 'ingestion', pid: mine.pid, marker: 'pulse-marker-a' });
    // A recorded PID now running another program (PID reuse) must be left alone.
    previous.add({ name: 'enrichment', pid: reused.pid, marker: 'pulse-marker-b' });

    const stopped = await new PidRegistry(file).claim(launcher, { timeoutMs: 5_000 });
    expect(stopped.map((record) => record.name)).toEqual(['ingestion']);
    expect(await mine.exited).toBe('SIGTERM');
    expect(reused.child.exitCode).toBeNull();
    reused.child.kill('SIGTERM');
    await reused.exited;
  });

  it('finds nothing to stop without a previous file', async () => {
    expect(await new PidRegistry(join(dir, 'none.json')).claim(launcher)).toEqual([]);
  });

  it('refuses, stopping nothing, while the launcher that wrote the file is still running', async () => {
    const file = join(dir, 'fleet.json');
    const firstLauncher = sleeper('pulse-launcher-marker');
    const firstService = sleeper('pulse-service-marker');
    const first = new PidRegistry(file);
    await first.claim({ name: 'npm start', pid: firstLauncher.pid, marker: 'pulse-launcher-marker' });
    first.add({ name: 'ingestion', pid: firstService.pid, marker: 'pulse-service-marker' });

    const second = new PidRegistry(file);
    const refusal = second.claim(launcher, { timeoutMs: 5_000 });
    await expect(refusal).rejects.toThrow(LauncherAlreadyRunningError);
    second.release();
    expect(existsSync(file)).toBe(true);
    await expect(refusal).rejects.toThrow(
      `another npm start is running (pid ${firstLauncher.pid}) with the same state folder and ports; stop it first (Ctrl-C in its terminal, or \`kill ${firstLauncher.pid}\`), then start again`,
    );
    expect(firstService.child.exitCode).toBeNull();
    expect(firstService.child.signalCode).toBeNull();

    // Once that launcher is gone (killed hard: its service is still running), the next claim
    // stops the service it left behind and takes the file over.
    firstLauncher.child.kill('SIGKILL');
    await firstLauncher.exited;
    const stopped = await second.claim(launcher, { timeoutMs: 5_000 });
    expect(stopped.map((record) => record.name)).toEqual(['ingestion']);
    expect(await firstService.exited).toBe('SIGTERM');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ owner: launcher, processes: [] });
  });

  it('the same launcher may claim again, and the file goes once it is released with nothing recorded', async () => {
    const file = join(dir, 'fleet.json');
    const registry = new PidRegistry(file);
    await registry.claim(launcher);
    await registry.claim(launcher);
    expect(existsSync(file)).toBe(true);
    registry.release();
    expect(existsSync(file)).toBe(false);
  });
});
