import type { AlertEvent } from '@pulse/contracts';

/** Alerts per Slack message: each takes three blocks and Slack accepts at most 50. */
export const MAX_ALERTS_PER_MESSAGE = 12;

const STATE_ICON = { firing: ':rotating_light:', resolved: ':white_check_mark:' } as const;
const SEVERITY_ICON = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
} as const;
const IDENTITY_LABELS_FIRST = [
  'category',
  'region',
  'currency',
  'customer',
  'product',
  'warehouse',
  'signal',
];

export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

/**
 * One Block Kit message for a group of alerts: per alert what happened (summary), where
 * (labels), the value against its threshold, the window, since when, and links to the Grafana
 * dashboard and the reporting query. `text` is the notification fallback.
 *
 * Summaries and labels carry ids that clients chose (product, customer, category…), so every
 * piece of text that is not ours is escaped (`&`, `<`, `>`: no `<!channel>`, `<@U…>` or
 * `<http://…|…>` can be formed) and every mrkdwn object is `verbatim` (Slack does not turn a bare
 * `@here`, `#channel` or URL into a mention or link). Incoming webhooks ignore `parse`, so the
 * fallback text also has bare broadcast mentions broken up.
 */
export function buildSlackMessage(group: string, alerts: readonly AlertEvent[]): SlackPayload {
  const firing = alerts.filter((alert) => alert.state === 'firing');
  const resolved = alerts.filter((alert) => alert.state === 'resolved');
  const counts = [
    firing.length > 0 ? `${firing.length} firing` : null,
    resolved.length > 0 ? `${resolved.length} resolved` : null,
  ].filter((part): part is string => part !== null);
  const headline = `${counts.join(', ')} · ${group}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, 150), emoji: true } },
  ];
  for (const alert of [...firing, ...resolved]) blocks.push(...alertBlocks(alert));
  return {
    text: truncate(
      defuseMentions(
        escape(
          `${firing.length > 0 ? 'FIRING' : 'RESOLVED'} ${headline}: ${alerts.map((alert) => alert.summary).join(' | ')}`,
        ),
      ),
      3000,
    ),
    blocks,
  };
}

function alertBlocks(alert: AlertEvent): Record<string, unknown>[] {
  const repeat = alert.state === 'firing' && alert.updatedAt !== alert.startsAt ? ' (still firing)' : '';
  const title =
    `${STATE_ICON[alert.state]} *${alert.state.toUpperCase()}*${repeat} ${SEVERITY_ICON[alert.severity]} ` +
    `*${escape(alert.rule)}* (${alert.severity})`;
  const fields = [
    field('Where', whereOf(alert.labels)),
    field('Value vs threshold', `${formatNumber(alert.value)} vs ${formatNumber(alert.threshold)}`),
    field(
      'Window',
      alert.window ? `${formatTime(alert.window.start)} – ${formatTime(alert.window.end)}` : 'n/a',
    ),
    field(
      alert.state === 'firing' ? 'Since' : 'Lasted',
      alert.state === 'firing'
        ? formatTime(alert.startsAt)
        : `${formatTime(alert.startsAt)} – ${formatTime(alert.endsAt ?? alert.updatedAt)}`,
    ),
  ];
  const links = [
    alert.links.dashboard ? `<${alert.links.dashboard}|Grafana dashboard>` : null,
    alert.links.report ? `<${alert.links.report}|Reporting query>` : null,
  ].filter((link): link is string => link !== null);
  const context = [...links, `fingerprint \`${alert.fingerprint}\` · #${alert.sequence}`].join(' · ');
  return [
    {
      type: 'section',
      text: mrkdwn(truncate(`${title}\n${escape(alert.summary)}`, 3000)),
      fields,
    },
    { type: 'context', elements: [mrkdwn(truncate(context, 3000))] },
    { type: 'divider' },
  ];
}

function whereOf(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return entries.length === 0 ? 'everywhere' : entries.map(([name, value]) => `${name}=${value}`).join(', ');
}

function rank(label: string): number {
  const index = IDENTITY_LABELS_FIRST.indexOf(label);
  return index === -1 ? IDENTITY_LABELS_FIRST.length : index;
}

interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}

/** A mrkdwn text object whose plain text Slack leaves alone (no auto-links, no auto-mentions). */
function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text, verbatim: true };
}

function field(name: string, value: string): MrkdwnText {
  return mrkdwn(truncate(`*${name}*\n${escape(value)}`, 2000));
}

function formatNumber(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Slack mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A zero-width space after the `@` keeps a bare broadcast word from being read as a mention. */
function defuseMentions(text: string): string {
  return text.replace(/@(here|channel|everyone)\b/gi, '@\u200b$1');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
