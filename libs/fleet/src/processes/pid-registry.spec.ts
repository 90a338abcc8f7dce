import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidRegistry } from './pid-registry';

describe('PidRegistry', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pids-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function sleeper(marker: string) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
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

    const stopped = await new PidRegistry(file).reapLeftovers({ timeoutMs: 5_000 });
    expect(stopped.map((record) => record.name)).toEqual(['ingestion']);
    expect(await mine.exited).toBe('SIGTERM');
    expect(reused.child.exitCode).toBeNull();
    reused.child.kill('SIGTERM');
    await reused.exited;
  });

  it('finds nothing to stop without a previous file', async () => {
    expect(await new PidRegistry(join(dir, 'none.json')).reapLeftovers()).toEqual([]);
  });
});
