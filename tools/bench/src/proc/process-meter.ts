import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseMachineCpu, parseProcStat, parseProcStatus, type ProcMemory } from './proc-stat';

/** What a measured process is, for the report: the pipeline's own processes, or the rest. */
export type ProcessRole = 'pipeline' | 'broker' | 'database' | 'generator' | 'observer';

export interface MeteredProcess {
  name: string;
  pid: number;
  role: ProcessRole;
}

let clockTicks: number | undefined;

/** USER_HZ: the unit of the CPU times in /proc (100 on every common Linux build). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU milliseconds a process has used so far; undefined once it has exited. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    return (parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/** CPU milliseconds of this process's exited, waited-for descendants (generators, perf tools). */
export function reapedChildrenCpuMs(): number {
  return (parseProcStat(readFileSync('/proc/self/stat', 'utf8')).childTicks * 1000) / clockTicksPerSecond();
}

export function memoryOf(pid: number): ProcMemory | undefined {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Resident memory (MB) of each process that is still running, by name: `rss` now (VmRSS), or
 * `peakRss`, the most it ever held (VmHWM).
 */
export function residentMb(
  processes: readonly MeteredProcess[],
  which: keyof ProcMemory,
): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const { name, pid } of processes) {
    const memory = memoryOf(pid);
    if (memory) figures[name] = memory[which] / 2 ** 20;
  }
  return figures;
}

/**
 * Peak resident memory of processes, per interval and over the whole run. VmHWM only grows over a
 * process's life; writing 5 to `/proc/<pid>/clear_refs` resets it to the current RSS (proc(5)), so
 * each interval (a step) gets its own peak, and a running maximum keeps the whole run's.
 */
export class PeakRss {
  private readonly overall: Record<string, number> = {};
  /** False once a reset was refused: interval peaks then include everything before them. */
  resettable = true;

  constructor(private readonly processes: readonly MeteredProcess[]) {}

  /** Starts a new interval: the peak so far goes into the run's, then each process's is reset. */
  restart(): void {
    this.sinceRestart();
    for (const { pid } of this.processes) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch (error) {
        // A process that has exited has nothing to reset; anything else leaves peaks cumulative.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.resettable = false;
      }
    }
  }

  /** Each process's peak (MB) since the last restart (since it started, before the first). */
  sinceRestart(): Record<string, number> {
    const peaks = residentMb(this.processes, 'peakRss');
    for (const [name, mb] of Object.entries(peaks))
      this.overall[name] = Math.max(this.overall[name] ?? 0, mb);
    return peaks;
  }

  /** Each process's peak (MB) over everything this meter has seen, up to now. */
  overallPeak(): Record<string, number> {
    this.sinceRestart();
    return { ...this.overall };
  }
}

/** CPU milliseconds the whole machine has been busy (all cores, all users) so far. */
export function machineBusyMs(): number {
  return (parseMachineCpu(readFileSync('/proc/stat', 'utf8')).busyTicks * 1000) / clockTicksPerSecond();
}

/** CPU used by each process between `start()` and `stop()`. */
export interface CpuReading {
  name: string;
  role: ProcessRole;
  cpuMs: number;
}

/**
 * Measures the CPU time of long-running processes (services, broker, InfluxDB, this process)
 * over one measurement window, from their `/proc/<pid>/stat` utime + stime.
 */
export class CpuWindow {
  private readonly before = new Map<number, number>();
  private readonly machineBefore = machineBusyMs();
  private readonly startedAt = Date.now();

  constructor(private readonly processes: readonly MeteredProcess[]) {
    for (const { pid } of processes) {
      const cpu = cpuMsOf(pid);
      if (cpu !== undefined) this.before.set(pid, cpu);
    }
  }

  /** A process that exited during the window is left out (its time is no longer readable). */
  stop(): CpuReading[] {
    const readings: CpuReading[] = [];
    for (const { name, pid, role } of this.processes) {
      const start = this.before.get(pid);
      const end = cpuMsOf(pid);
      if (start === undefined || end === undefined) continue;
      readings.push({ name, role, cpuMs: end - start });
    }
    return readings;
  }

  /**
   * The whole machine over the window: cores busy on average (all processes of all users), and
   * the part that `measuredCpuMs` (what the cell's figures account for) leaves unexplained.
   */
  machine(measuredCpuMs: number): { busyCores: number; unmeasuredCores: number; loadAverage1m: number } {
    const busyMs = machineBusyMs() - this.machineBefore;
    const elapsedMs = Math.max(1, Date.now() - this.startedAt);
    return {
      busyCores: busyMs / elapsedMs,
      unmeasuredCores: Math.max(0, busyMs - measuredCpuMs) / elapsedMs,
      loadAverage1m: loadavg()[0] ?? 0,
    };
  }
}
