import { setTimeout as sleep } from 'node:timers/promises';
import type {
  GroundTruth,
  GroundTruthCell,
  TruthGrouping,
  WindowFigures,
} from '../ground-truth/ground-truth';
import { fetchSalesCells, type ReportedCell, type ReportingQuery } from './reporting-client';

export interface ReconcileResult {
  ok: boolean;
  /** What reporting shows over the run's windows (grouping total), when it answered. */
  reported: { orders: number; units: number; views: number; cartAdds: number } | undefined;
  /** Figures compared (cells × measures). */
  compared: number;
  /** One line per difference: where, what, expected vs reported. */
  mismatches: string[];
}

export interface ReconcileOptions {
  reportingUrl: string;
  token: string;
  truth: GroundTruth;
  /** Keep asking until equal or this much time has passed (the pipeline may still be writing). */
  timeoutMs?: number;
  intervalMs?: number;
  /** Stops asking: the last comparison is returned as it stands. */
  signal?: AbortSignal;
  /**
   * Every reported row whose window ends at or before this instant (ms since the epoch) must
   * also say it is final: the watermark passed it, so nothing may still be missing from it.
   */
  finalUpTo?: number;
}

const GROUP_BY: Record<TruthGrouping, string | undefined> = {
  total: undefined,
  category: 'category',
  region: 'region',
  category_region: 'category,region',
};

const MEASURES = ['orders', 'units', 'uniqueCustomers', 'views', 'cartAdds'] as const;

/**
 * Compares what the reporting API answers with the load generator's ground truth, per window and
 * group, for every grouping and measure (revenue per currency in exact minor units). Polls until
 * they agree or `timeoutMs` passes; the last differences are returned.
 */
export async function reconcileWithReporting(options: ReconcileOptions): Promise<ReconcileResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let result: ReconcileResult;
  for (;;) {
    result = await reconcileOnce(options);
    if (result.ok || Date.now() >= deadline || options.signal?.aborted) return result;
    await sleep(options.intervalMs ?? 2_000, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

export async function reconcileOnce(options: ReconcileOptions): Promise<ReconcileResult> {
  const { truth } = options;
  if (!truth.range) return { ok: true, reported: undefined, compared: 0, mismatches: [] };
  const mismatches: string[] = [];
  let compared = 0;
  let reportedTotals: ReconcileResult['reported'];
  for (const grouping of Object.keys(GROUP_BY) as TruthGrouping[]) {
    const query: ReportingQuery = {
      from: truth.range.from,
      to: truth.range.to,
      intervalMs: truth.windowSizeMs,
      groupBy: GROUP_BY[grouping],
    };
    let reported: ReportedCell[];
    try {
      reported = await fetchSalesCells(options.reportingUrl, options.token, query);
    } catch (error) {
      mismatches.push(`${grouping}: could not read the reporting API: ${(error as Error).message}`);
      continue;
    }
    if (grouping === 'total') reportedTotals = sumOf(reported);
    const outcome = compareCells(grouping, truth.groupings[grouping], reported);
    compared += outcome.compared;
    mismatches.push(...outcome.mismatches);
    if (options.finalUpTo !== undefined)
      mismatches.push(...unfinished(grouping, reported, truth.windowSizeMs, options.finalUpTo));
  }
  return { ok: mismatches.length === 0, reported: reportedTotals, compared, mismatches };
}

function sumOf(cells: readonly GroundTruthCell[]): NonNullable<ReconcileResult['reported']> {
  const sum = { orders: 0, units: 0, views: 0, cartAdds: 0 };
  for (const cell of cells) {
    sum.orders += cell.orders;
    sum.units += cell.units;
    sum.views += cell.views;
    sum.cartAdds += cell.cartAdds;
  }
  return sum;
}

/** Rows whose window ends by `upTo` but that reporting does not call final, one line each. */
export function unfinished(
  grouping: string,
  reported: readonly ReportedCell[],
  windowSizeMs: number,
  upTo: number,
): string[] {
  return reported
    .filter((cell) => !cell.final && Date.parse(cell.windowStart) + windowSizeMs <= upTo)
    .map((cell) => `${describe(grouping, cell)} not final, though its window ended before the watermark`);
}

/** Compares expected and reported cells of one grouping; cells absent on one side count as zero. */
export function compareCells(
  grouping: string,
  expected: readonly GroundTruthCell[],
  reported: readonly GroundTruthCell[],
): Pick<ReconcileResult, 'compared' | 'mismatches'> {
  const key = (cell: GroundTruthCell) =>
    `${Date.parse(cell.windowStart)}|${cell.category ?? ''}|${cell.region ?? ''}`;
  const expectedByKey = new Map(expected.map((cell) => [key(cell), cell]));
  const reportedByKey = new Map<string, GroundTruthCell>();
  for (const cell of reported) reportedByKey.set(key(cell), cell);
  const mismatches: string[] = [];
  let compared = 0;
  for (const cellKey of new Set([...expectedByKey.keys(), ...reportedByKey.keys()])) {
    const want = expectedByKey.get(cellKey);
    const got = reportedByKey.get(cellKey);
    const where = describe(grouping, (want ?? got) as GroundTruthCell);
    for (const measure of MEASURES) {
      compared += 1;
      const a = want?.[measure] ?? 0;
      const b = got?.[measure] ?? 0;
      if (a !== b) mismatches.push(`${where} ${measure}: expected ${a}, reported ${b}`);
    }
    const currencies = new Set([
      ...Object.keys(want?.revenueMinor ?? {}),
      ...Object.keys(got?.revenueMinor ?? {}),
    ]);
    for (const currency of currencies) {
      compared += 1;
      const a = revenue(want, currency);
      const b = revenue(got, currency);
      if (a !== b)
        mismatches.push(`${where} revenue ${currency} (minor units): expected ${a}, reported ${b}`);
    }
  }
  return { compared, mismatches };
}

function revenue(cell: WindowFigures | undefined, currency: string): number {
  return cell?.revenueMinor[currency] ?? 0;
}

function describe(grouping: string, cell: GroundTruthCell): string {
  const group = [cell.category, cell.region].filter((part) => part !== null).join('/');
  return `${grouping} ${cell.windowStart.slice(0, 16)}Z${group === '' ? '' : ` ${group}`}`;
}
