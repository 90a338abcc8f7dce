import { windowLabel } from '@pulse/contracts';

export interface LinkSettings {
  grafanaUrl?: string | undefined;
  dashboardPath: string;
  reportingUrl?: string | undefined;
}

interface LinkSubject {
  kind: string;
  labels: Readonly<Record<string, string>>;
  window: { start: string; end: string } | null;
  /** When the alert changed (used when there is no window). */
  at: string;
  windowSizeMs?: number;
}

const BEFORE_MS = 60 * 60_000;
const AFTER_MS = 15 * 60_000;

/**
 * Links a notification carries: the Grafana dashboard around the alert's time (with the
 * category / region variables set) and the matching reporting query, in the parameters
 * reporting's own parsing (`parseSalesParams`, `@pulse/contracts`) accepts.
 */
export function linksFor(
  settings: LinkSettings,
  subject: LinkSubject,
): { dashboard?: string; report?: string } {
  const focusStart = Date.parse(subject.window?.start ?? subject.at);
  const focusEnd = Date.parse(subject.window?.end ?? subject.at);
  const from = focusStart - BEFORE_MS;
  const to = focusEnd + AFTER_MS;
  const links: { dashboard?: string; report?: string } = {};
  const { category, region } = subject.labels;

  if (settings.grafanaUrl) {
    const url = new URL(join(settings.grafanaUrl, settings.dashboardPath));
    url.searchParams.set('from', String(from));
    url.searchParams.set('to', String(to));
    if (category !== undefined) url.searchParams.set('var-category', category);
    if (region !== undefined) url.searchParams.set('var-region', region);
    links.dashboard = url.toString();
  }
  if (settings.reportingUrl) {
    const windowed = subject.kind === 'revenue_spike' || subject.kind === 'order_drop';
    const url = new URL(join(settings.reportingUrl, windowed ? '/v1/reports/sales' : '/v1/alerts'));
    if (windowed) {
      url.searchParams.set('from', new Date(from).toISOString());
      url.searchParams.set('to', new Date(to).toISOString());
      if (subject.windowSizeMs !== undefined)
        url.searchParams.set('interval', windowLabel(subject.windowSizeMs));
      const groupBy = [
        category === undefined ? null : 'category',
        region === undefined ? null : 'region',
      ].filter((dimension): dimension is string => dimension !== null);
      if (groupBy.length > 0) url.searchParams.set('groupBy', groupBy.join(','));
      if (category !== undefined) url.searchParams.set('category', category);
      if (region !== undefined) url.searchParams.set('region', region);
      if (subject.labels.currency !== undefined) url.searchParams.set('currency', subject.labels.currency);
    } else {
      url.searchParams.set('since', new Date(from).toISOString());
    }
    links.report = url.toString();
  }
  return links;
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
