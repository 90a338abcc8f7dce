import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { continueProcess, stopProcess, threadStates } from './process-stop';

/** A Node process that keeps a core busy in short bursts and prints each tick, as a service under load would. */
async function busyProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      'setInterval(() => { let x = 0; for (let i = 0; i < 1e6; i++) x += i; process.stdout.write("."); }, 5)',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await once(child.stdout!, 'data');
  return child as ChildProcess & { pid: number };
}

async function waitForState(pid: number, state: string): Promise<void> {
  for (let tries = 0; !threadStates(pid).every((each) => each === state); tries += 1) {
    if (tries === 100)
      throw new Error(`process ${pid} never reached state ${state}: ${threadStates(pid).join('')}`);
    await sleep(20);
  }
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGKILL');
  await exit;
}

describe('stopProcess', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map(ended));
  });

  it('returns only once every thread of a busy process is stopped, every time', async () => {
    for (let round = 0; round < 30; round += 1) {
      const child = await busyProcess();
      children.push(child);
      stopProcess(child.pid);
      expect(new Set(threadStates(child.pid))).toEqual(new Set(['T']));
      await ended(child);
    }
  });

  it('holds the process until continued: nothing runs meanwhile, and it runs on afterwards', async () => {
    const child = await busyProcess();
    children.push(child);
    let ticks = 0;
    child.stdout!.on('data', (chunk: Buffer) => (ticks += chunk.length));

    stopProcess(child.pid);
    // Output written before the stop may still be in the pipe.
    await sleep(50);
    const atStop = ticks;
    await sleep(300);
    expect(ticks).toBe(atStop);

    continueProcess(child.pid);
    await sleep(300);
    expect(ticks).toBeGreaterThan(atStop);
    expect(threadStates(child.pid)).not.toContain('T');
  });

  it('names the process and its threads when they do not stop in time', async () => {
    // A zombie (exited, never reaped by its parent, which has exec'd into `sleep`) takes no signal.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(parent);
    const [output] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number(output.toString().trim());
    await waitForState(zombie, 'Z');

    expect(() => stopProcess(zombie, 200)).toThrow(
      new RegExp(`^process ${zombie} not stopped 200 ms after SIGSTOP: threads Z$`),
    );
  });
});
