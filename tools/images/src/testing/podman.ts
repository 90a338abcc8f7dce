import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandFailedError, findRepoRoot, runCommand, type CommandResult } from '@pulse/fleet';
import { parse } from 'yaml';

export const REPO_ROOT = findRepoRoot(__dirname);

/** The targets of deploy/docker/Dockerfile, as `npm run images` builds them. */
export const IMAGE_TARGETS = ['ingestion', 'enrichment', 'aggregation', 'alert', 'reporting', 'cli'] as const;
export type ImageTarget = (typeof IMAGE_TARGETS)[number];

/** `localhost/pulse-<target>:<tag>`: tag PULSE_IMAGE_TAG, else the chart's appVersion (as tools/images/build.sh). */
export function imageOf(target: ImageTarget): string {
  const chart = parse(readFileSync(join(REPO_ROOT, 'helm/pulse/Chart.yaml'), 'utf8')) as {
    appVersion: string;
  };
  return `localhost/pulse-${target}:${process.env['PULSE_IMAGE_TAG'] || chart.appVersion}`;
}

/**
 * podman with this host's settings (runtime, cgroup manager, rlimits: tools/images/podman.sh).
 * Resolves with its output; rejects with CommandFailedError when it exits non-zero.
 */
export async function podman(...args: string[]): Promise<string> {
  const { output } = await runCommand('bash', [join(REPO_ROOT, 'tools/images/podman.sh'), ...args], {
    cwd: REPO_ROOT,
  });
  return output.trim();
}

/** podman that may fail: the result either way (exit code and output). */
export async function tryPodman(...args: string[]): Promise<CommandResult> {
  try {
    return await runCommand('bash', [join(REPO_ROOT, 'tools/images/podman.sh'), ...args], { cwd: REPO_ROOT });
  } catch (error) {
    if (error instanceof CommandFailedError) return error.result;
    throw error;
  }
}
