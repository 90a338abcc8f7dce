import type { StageLine } from './stage-figures';

export interface SummaryState {
  elapsedMs: number;
  scenario: string;
  rate: number;
  /** `null` until the first reading. */
  stages: readonly StageLine[] | null;
  rejected: number;
  alertsFired: number;
  slackMessages: number;
  lastSlack: { at: Date; text: string } | undefined;
  loadgen: string;
  /** Shown after the table, e.g. "stopping…". */
  note?: string;
}

const number = new Intl.NumberFormat('en-US');
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const pad = (value: number) => String(value).padStart(2, '0');
  const hours = Math.floor(seconds / 3600);
  const clock = `${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

/** The live summary as lines (no colours, so it reads the same in a terminal and in a log). */
export function renderSummary(state: SummaryState): string[] {
  const lines = [
    `Pulse — ${formatElapsed(state.elapsedMs)} — scenario ${state.scenario} at ${number.format(state.rate)} ev/s base — load generator: ${state.loadgen}`,
    '',
    `  ${'stage'.padEnd(12)}${'per sec'.padStart(10)}${'handled'.padStart(12)}${'lag'.padStart(9)}${'dead-lettered'.padStart(15)}`,
  ];
  if (state.stages === null) {
    lines.push('  (waiting for the first reading of /metrics)');
  } else {
    for (const stage of state.stages) {
      lines.push(
        stage.up
          ? `  ${stage.name.padEnd(12)}${oneDecimal.format(stage.perSecond).padStart(10)}${number
              .format(stage.total)
              .padStart(
                12,
              )}${number.format(stage.lag).padStart(9)}${number.format(stage.deadLettered).padStart(15)}`
          : `  ${stage.name.padEnd(12)}${'down'.padStart(10)}`,
      );
    }
  }
  lines.push(
    '',
    `  refused by ingestion: ${number.format(state.rejected)}   alerts fired: ${number.format(state.alertsFired)}   Slack messages: ${number.format(state.slackMessages)}`,
    `  last Slack message: ${
      state.lastSlack
        ? `[${state.lastSlack.at.toISOString().slice(11, 19)}] ${oneLine(state.lastSlack.text)}`
        : '(none yet)'
    }`,
  );
  if (state.note) lines.push('', `  ${state.note}`);
  return lines;
}

/** A single short line for logs (non-terminal output). */
export function renderSummaryLine(state: SummaryState): string {
  const stages = (state.stages ?? [])
    .map((stage) =>
      stage.up
        ? `${stage.name} ${oneDecimal.format(stage.perSecond)}/s lag ${stage.lag}`
        : `${stage.name} down`,
    )
    .join(', ');
  return (
    `[${formatElapsed(state.elapsedMs)}] ${stages}; dead-lettered ${(state.stages ?? []).reduce((sum, stage) => sum + stage.deadLettered, 0)}` +
    `; alerts ${state.alertsFired}; Slack ${state.slackMessages}` +
    (state.lastSlack ? ` (last: ${oneLine(state.lastSlack.text).slice(0, 80)})` : '')
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
