import type { ProfileSummary } from '../profile/cpu-profile-summary';
import type { CellRun, FailedRun } from './results';
import { spreadText, type BenchSummary } from './summary';

function rows(pairs: [string, string][]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}

/** The printed table: median (min–max, n) per figure and cell, ratios, and the targets. */
export function renderTable(summary: BenchSummary): string {
  const lines: string[] = [];
  for (const cell of summary.cells) {
    lines.push('', `${cell.cell} — ${cell.runs} run(s)${cell.failed > 0 ? `, ${cell.failed} FAILED` : ''}`);
    lines.push(
      ...rows(
        Object.entries(cell.figures)
          .filter(([, spread]) => spread !== undefined)
          .map(([label, spread]) => [label, spreadText(spread, 1)]),
      ),
    );
  }
  // A ratio whose cells did not both run has no figure; the targets still say what was not measured.
  const ratios = Object.entries(summary.ratios).filter(([, spread]) => spread !== undefined);
  lines.push('', 'ratios (per repetition, median (min–max))');
  lines.push(
    ...(ratios.length === 0
      ? ['  none: no two cells they compare ran']
      : rows(ratios.map(([label, spread]) => [label, spreadText(spread, 2, '×')]))),
  );
  lines.push('', 'targets');
  for (const target of summary.targets) {
    const verdict = target.met === undefined ? 'NOT MEASURED' : target.met ? 'met' : 'MISSED';
    lines.push(
      `  [${verdict}] ${target.description}: ${target.measured} — target ${target.target}${target.note ? ` (${target.note})` : ''}`,
    );
  }
  return lines.join('\n');
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

/** With --profile: where each process spent its CPU, by package, per cell run. */
export function renderProfiles(runs: readonly (CellRun | FailedRun)[]): string {
  const lines: string[] = [];
  for (const run of runs) {
    const profiles: Record<string, ProfileSummary> | undefined = 'profiles' in run ? run.profiles : undefined;
    if (!profiles) continue;
    for (const [name, summary] of Object.entries(profiles)) {
      lines.push(
        `  ${run.cell} r${run.repetition} ${name} (${(summary.busyMs / 1000).toFixed(1)} s busy): ` +
          summary.byPackage
            .slice(0, 8)
            .map((entry) => `${entry.name} ${percent(entry.share)}`)
            .join(', '),
      );
    }
  }
  return lines.length === 0 ? '' : ['', 'CPU profiles (self time by package)', ...lines].join('\n');
}
