import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeteredProcess } from './process-meter';

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function fromPidFile(file: string, marker: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && commandLine(pid).includes(marker) ? pid : undefined;
}

function byCommandLine(marker: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (commandLine(Number(entry)).includes(marker)) return Number(entry);
  }
  return undefined;
}

/**
 * The shared broker and InfluxDB, whose CPU each cell's figures include: from the stack's PID
 * files (deploy/local), or — when the stack was started elsewhere — by their command lines.
 */
export function stackProcesses(repoRoot: string): MeteredProcess[] {
  const runDir = join(process.env.PULSE_STACK_DIR ?? join(repoRoot, '.pulse-stack'), 'run');
  const found: MeteredProcess[] = [];
  const broker = fromPidFile(join(runDir, 'kafka.pid'), 'kafka.Kafka') ?? byCommandLine(' kafka.Kafka ');
  if (broker !== undefined) found.push({ name: 'kafka-broker', pid: broker, role: 'broker' });
  const influx = fromPidFile(join(runDir, 'influxdb.pid'), 'influxd') ?? byCommandLine('influxd run');
  if (influx !== undefined) found.push({ name: 'influxdb', pid: influx, role: 'database' });
  return found;
}
