import { formatElapsed, renderSummary, renderSummaryLine, type SummaryState } from './render-summary';

const state: SummaryState = {
  elapsedMs: 83_400,
  scenario: 'flash-sale',
  rate: 50,
  stages: [
    { name: 'ingestion', up: true, perSecond: 148.25, total: 12_345, lag: 0, deadLettered: 0 },
    { name: 'enrichment', up: true, perSecond: 147.9, total: 12_300, lag: 45, deadLettered: 3 },
    { name: 'alert', up: false, perSecond: 0, total: 0, lag: 0, deadLettered: 0 },
  ],
  rejected: 17,
  alertsFired: 2,
  slackMessages: 2,
  lastSlack: { at: new Date('2026-03-01T12:01:03Z'), text: 'Fraud velocity:\n customer c-00042' },
  loadgen: 'running',
};

describe('renderSummary', () => {
  it('shows events/s, totals, lag and dead letters per stage, alerts and the last Slack message', () => {
    const lines = renderSummary(state);
    expect(lines[0]).toBe('Pulse — 01:23 — scenario flash-sale at 50 ev/s base — load generator: running');
    expect(lines).toContain('  ingestion        148.3      12,345        0              0');
    expect(lines).toContain('  enrichment       147.9      12,300       45              3');
    expect(lines).toContain('  alert             down');
    expect(lines).toContain('  refused by ingestion: 17   alerts fired: 2   Slack messages: 2');
    expect(lines).toContain('  last Slack message: [12:01:03] Fraud velocity: customer c-00042');
  });

  it('says so before the first reading, and shows a note', () => {
    const lines = renderSummary({ ...state, stages: null, lastSlack: undefined, note: 'stopping' });
    expect(lines).toContain('  (waiting for the first reading of /metrics)');
    expect(lines).toContain('  last Slack message: (none yet)');
    expect(lines.at(-1)).toBe('  stopping');
  });

  it('has a one-line form for logs', () => {
    expect(renderSummaryLine(state)).toBe(
      '[01:23] ingestion 148.3/s lag 0, enrichment 147.9/s lag 45, alert down; dead-lettered 3; alerts 2; Slack 2 ' +
        '(last: Fraud velocity: customer c-00042)',
    );
  });
});

describe('formatElapsed', () => {
  it('reads as a clock', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(59_999)).toBe('00:59');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
  });
});
