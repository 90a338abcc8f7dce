import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { PeakRss, residentMb } from './process-meter';

describe('residentMb', () => {
  // A pid above the kernel's default pid_max: no such process.
  const gone = { name: 'gone', pid: 4_194_305, role: 'pipeline' as const };
  const self = { name: 'self', pid: process.pid, role: 'observer' as const };

  it("reads a running process's resident memory in MB, as Node itself counts it (MiB, within 2 %)", () => {
    const rss = residentMb([self], 'rss').self;
    const fromNode = process.memoryUsage().rss / 2 ** 20;
    expect(rss).toBeGreaterThan(fromNode * 0.98);
    expect(rss).toBeLessThan(fromNode * 1.02);
    expect(residentMb([self], 'peakRss').self).toBeGreaterThanOrEqual(rss as number);
  });

  it('leaves out a process that is no longer running', () => {
    expect(Object.keys(residentMb([gone, self], 'rss'))).toEqual(['self']);
  });
});

describe('PeakRss', () => {
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  it("gives each interval its own peak and keeps the whole run's", async () => {
    // A process that touches 200 MB, frees it, says so and then idles: its VmHWM stays at the peak.
    child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '-e',
        "let b = Buffer.alloc(200 * 2 ** 20, 1); b = null; gc(); process.stdout.write('freed\\n'); setInterval(() => {}, 1000);",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(child.stdout!, 'data');
    const processes = [{ name: 'child', pid: child.pid!, role: 'pipeline' as const }];
    expect(residentMb(processes, 'peakRss').child).toBeGreaterThan(200);
    const meter = new PeakRss(processes);
    meter.restart();
    expect(meter.resettable).toBe(true);
    expect(meter.sinceRestart().child).toBeLessThan(150);
    expect(meter.overallPeak().child).toBeGreaterThan(200);
  });
});
