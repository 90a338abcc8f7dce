import { alertEvent } from '../testing/fixtures';
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

  it('escapes client-chosen ids everywhere and keeps Slack from parsing mentions and links', () => {
    const hostile = '<!channel> @here <http://evil.test|click> & <@U123>';
    const alert = alertEvent({
      rule: 'low-stock',
      summary: `Stock of product ${hostile}: 1 (alerting below 5)`,
      labels: { product: hostile, customer: '<!everyone>', category: 'x>y' },
    });
    const message = buildSlackMessage('low-stock', [alert]);

    for (const text of [message.text, ...mrkdwnTexts(message.blocks)]) {
      // No Slack control sequence survives: every < and > a client sent is an entity.
      expect(text).not.toMatch(/<[!@#]|<http:\/\/evil/);
      expect(text).not.toContain('x>y');
    }
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(message.text).toContain('&lt;http://evil.test|click&gt; &amp; &lt;@U123&gt;');
    expect(message.text).not.toMatch(/@here/);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain(
      'product=&lt;!channel&gt; @here &lt;http://evil.test|click&gt; &amp; &lt;@U123&gt;',
    );
    expect(blocks).toContain('customer=&lt;!everyone&gt;');
    expect(blocks).toContain('category=x&gt;y');
    for (const object of mrkdwnObjects(message.blocks)) expect(object).toMatchObject({ verbatim: true });
  });
});

/** Every mrkdwn text object in the blocks (section text, fields, context elements). */
function mrkdwnObjects(blocks: Record<string, unknown>[]): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.type === 'mrkdwn') found.push(record);
      Object.values(record).forEach(visit);
    }
  };
  visit(blocks);
  expect(found.length).toBeGreaterThan(0);
  return found;
}

function mrkdwnTexts(blocks: Record<string, unknown>[]): string[] {
  return mrkdwnObjects(blocks).map((object) => String(object.text));
}
