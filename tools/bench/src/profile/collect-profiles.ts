import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeteredProcess } from '../proc/process-meter';
import { summarizeCpuProfile, type CpuProfile, type ProfileSummary } from './cpu-profile-summary';

/** `node --cpu-prof` options that make a process write its profile into `dir` when it exits. */
export function profilingNodeOptions(dir: string): string {
  return `--cpu-prof --cpu-prof-dir=${dir}`;
}

/**
 * Summaries of the profiles the stopped processes wrote (`CPU.<date>.<pid>.<tid>.<seq>.cpuprofile`),
 * keyed by process name.
 */
export function collectProfiles(
  dir: string,
  processes: readonly MeteredProcess[],
): Record<string, ProfileSummary> {
  const summaries: Record<string, ProfileSummary> = {};
  if (!existsSync(dir)) return summaries;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const pid = Number(file.split('.')[3]);
    const owner = processes.find((process) => process.pid === pid);
    if (!owner) continue;
    summaries[owner.name] = summarizeCpuProfile(
      JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
    );
  }
  return summaries;
}
