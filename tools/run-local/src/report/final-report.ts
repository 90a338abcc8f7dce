import type { FleetFigures, GroundTruth, ReconcileResult, SlackMessage } from '@pulse/fleet';
import { fleetTotal, handledBy } from '../summary/stage-figures';

export interface FinalFigures {
  truth: GroundTruth;
  figures: FleetFigures;
  alertsFired: number;
  slackMessages: readonly SlackMessage[];
  check: ReconcileResult;
}

const number = new Intl.NumberFormat('en-US');

/** The end-of-run report: what was sent, what each stage did, and the ground-truth check. */
export function finalReport(final: FinalFigures): string[] {
  const { truth, figures, check } = final;
  const aggregation = figures.services.find((service) => service.name === 'aggregation');
  const row = (label: string, value: number, note: string) =>
    `  ${label.padEnd(16)}${number.format(value).padStart(10)}   ${note}`;
  const lines = [
    '',
    'Report',
    row(
      'events sent',
      truth.events.sent,
      `load generator (${truth.run.scenarios.join(', ')}, seed ${truth.run.seed})`,
    ),
    row('accepted', truth.events.accepted, 'acknowledged by ingestion (written to Kafka)'),
    row('rejected', truth.events.rejected, 'refused by ingestion with the reasons'),
    row(
      'dead-lettered',
      fleetTotal(figures, (service) => service.deadLettered),
      'parked in the dead-letter topic',
    ),
    row(
      'aggregated',
      counted(check),
      `views, cart adds and orders in this run's windows, per the reporting API (aggregation processed ` +
        `${number.format(aggregation ? handledBy(aggregation) : 0)} enriched events, replays included)`,
    ),
    row('alerts fired', final.alertsFired, `Slack messages received: ${final.slackMessages.length}`),
    '',
  ];
  for (const message of final.slackMessages.slice(-5)) {
    lines.push(
      `  slack [${message.receivedAt.toISOString().slice(11, 19)}] ${message.text.replace(/\s+/g, ' ').slice(0, 150)}`,
    );
  }
  if (final.slackMessages.length > 0) lines.push('');
  if (!truth.exact)
    lines.push(`  note: the ground truth is a lower bound: ${truth.inexactReasons.join('; ')}`);
  lines.push(
    check.ok
      ? `  check: reporting API totals equal the generator's ground truth (${check.compared} figures compared) — OK`
      : `  check: reporting API totals differ from the generator's ground truth — FAILED`,
  );
  for (const mismatch of check.mismatches.slice(0, 20)) lines.push(`    ${mismatch}`);
  if (check.mismatches.length > 20) lines.push(`    … and ${check.mismatches.length - 20} more`);
  lines.push('');
  return lines;
}

function counted(check: ReconcileResult): number {
  const reported = check.reported;
  return reported === undefined ? 0 : reported.views + reported.cartAdds + reported.orders;
}

export function printFinalReport(stream: NodeJS.WriteStream, final: FinalFigures): void {
  stream.write(`${finalReport(final).join('\n')}\n`);
}
