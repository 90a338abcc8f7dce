import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
