import type { BenchSummary } from './summary';
import { renderTable } from './table';

const summary = (ratios: BenchSummary['ratios']): BenchSummary => ({
  cells: [],
  ratios,
  targets: [
    {
      id: 'rss-idle',
      description: 'RSS per service at rest before any traffic (median)',
      target: '≤ 120 MB',
      measured: 'pulse-direct: enrichment 110 MB (100–130, n=3)',
      met: true,
      note: 'after the final drain: pulse-direct: enrichment 260 MB (260–260, n=3)',
    },
  ],
});

describe('renderTable', () => {
  it('prints the ratios that have a figure and leaves out those whose cells did not run', () => {
    const table = renderTable(
      summary({
        'pulse-direct ÷ streams (exactly once), sustained events/s': { median: 1.5, min: 1, max: 2, n: 3 },
        'pulse-direct ÷ streams-alos (at least once), sustained events/s': undefined,
      }),
    );
    expect(table).toContain('pulse-direct ÷ streams (exactly once), sustained events/s  1.5× (1–2, n=3)');
    expect(table).not.toContain('streams-alos');
    expect(table).toContain(
      '[met] RSS per service at rest before any traffic (median): pulse-direct: enrichment 110 MB (100–130, n=3) — target ≤ 120 MB (after the final drain: pulse-direct: enrichment 260 MB (260–260, n=3))',
    );
  });

  it('says so when no ratio has a figure', () => {
    expect(renderTable(summary({ 'pulse-direct ÷ Kafka produce ceiling': undefined }))).toContain(
      'none: no two cells they compare ran',
    );
  });
});
