import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, killLiveProcesses } from './managed-process';

describe('ManagedProcess', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'managed-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const start = (name: string, script: string) =>
    ManagedProcess.start({
      name,
      command: process.execPath,
      args: ['-e', script],
      cwd: root,
      env: process.env,
      logFile: join(root, `${name}.log`),
    });

  it('kills every child still running, with its own children, when the launcher quits at once', async () => {
    // A child that ignores SIGTERM and has a grandchild in its process group.
    const stubborn = start(
      'stubborn',
      `process.on('SIGTERM', () => {});
       require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
       setInterval(() => {}, 1000);`,
    );
    const finished = start('finished', 'process.exit(0)');
    await finished.exited;
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(killLiveProcesses()).toBe(1);
    expect(await stubborn.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The grandchild went with the group: signalling the group soon finds nobody (once reaped).
    const groupAlive = () => {
      try {
        process.kill(-stubborn.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; groupAlive() && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(groupAlive()).toBe(false);
    expect(killLiveProcesses()).toBe(0);
  });
});
