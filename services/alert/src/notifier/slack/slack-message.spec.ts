import { alertEvent } from '../../testing/fixtures';
import { buildSlackMessage } from './slack-message';

describe('buildSlackMessage', () => {
  const spike = alertEvent({
    summary: 'Revenue of category electronics <b>',
    labels: { team: 'growth', category: 'electronics', currency: 'USD' },
    value: 1234.5,
    threshold: 300,
    links: {
      dashboard: 'https://grafana.test/d/x?from=1',
      report: 'https://reporting.test/v1/reports/sales?x=1',
    },
  });

  it('says what, where, value against threshold, window, since when, with links', () => {
    const message = buildSlackMessage('revenue-spike', [spike]);
    const text = JSON.stringify(message.blocks);
    expect(message.text).toMatch(/^FIRING 1 firing · revenue-spike: Revenue of category electronics/);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '1 firing · revenue-spike', emoji: true },
    });
    expect(text).toContain('*revenue-spike* (warning)');
    expect(text).toContain('&lt;b&gt;');
    expect(text).toContain('*Where*\\ncategory=electronics, currency=USD, team=growth');
    expect(text).toContain('*Value vs threshold*\\n1,234.50 vs 300');
    expect(text).toContain('*Window*\\n2026-11-24 12:00 UTC – 2026-11-24 12:01 UTC');
    expect(text).toContain('*Since*\\n2026-11-24 12:00 UTC');
    expect(text).toContain('<https://grafana.test/d/x?from=1|Grafana dashboard>');
    expect(text).toContain('<https://reporting.test/v1/reports/sales?x=1|Reporting query>');
  });

  it('lists firing before resolved alerts and counts both', () => {
    const resolved = alertEvent({
      fingerprint: 'fp-2',
      state: 'resolved',
      endsAt: '2026-11-24T12:05:00.000Z',
      sequence: 1,
    });
    const message = buildSlackMessage('g', [resolved, spike]);
    expect(message.blocks[0]).toMatchObject({ text: { text: '1 firing, 1 resolved · g' } });
    const sections = message.blocks
      .filter((block) => block.type === 'section')
      .map((block) => JSON.stringify(block));
    expect(sections[0]).toContain('FIRING');
    expect(sections[1]).toContain('RESOLVED');
    expect(sections[1]).toContain('*Lasted*');
  });
});
