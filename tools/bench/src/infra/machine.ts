import { execFileSync } from 'node:child_process';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import type { MachineInfo } from '../report/results';

function freeH(): string {
  try {
    return execFileSync('free', ['-h'], { encoding: 'utf8' }).trim();
  } catch {
    return `${(totalmem() / 2 ** 30).toFixed(1)} GiB total`;
  }
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return cpus().length;
  }
}

/** The machine the figures come from, as docs/performance.md records it. */
export function machineInfo(): MachineInfo {
  return {
    hostname: hostname(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: nproc(),
    memory: freeH(),
    node: process.version,
    kernel: release(),
    loadAverageAtStart: loadavg(),
  };
}
