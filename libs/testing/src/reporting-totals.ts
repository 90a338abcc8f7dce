import { setTimeout as sleep } from 'node:timers/promises';
import { compareCells, fetchSalesCells, type GroundTruthCell } from '@pulse/fleet';

export interface TotalsComparison {
  compared: number;
  mismatches: string[];
}

/**
 * Compares the reporting API's `total` figures per window with `expected` until they agree or
 * `timeoutMs` passes (the pipeline may still be catching up); returns the last comparison.
 */
export async function compareTotalsWithReporting(
  reportingUrl: string,
  token: string,
  expected: readonly GroundTruthCell[],
  { windowMs, timeoutMs }: { windowMs: number; timeoutMs: number },
): Promise<TotalsComparison> {
  const starts = expected.map((cell) => Date.parse(cell.windowStart));
  if (starts.length === 0) throw new Error('nothing expected: the case sent no events');
  const query = {
    from: new Date(Math.min(...starts)).toISOString(),
    to: new Date(Math.max(...starts) + windowMs).toISOString(),
    intervalMs: windowMs,
    groupBy: undefined,
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let comparison: TotalsComparison;
    try {
      comparison = compareCells('total', expected, await fetchSalesCells(reportingUrl, token, query));
    } catch (error) {
      comparison = {
        compared: 0,
        mismatches: [`could not read the reporting API: ${(error as Error).message}`],
      };
    }
    if (comparison.mismatches.length === 0 || Date.now() >= deadline) return comparison;
    await sleep(2_000);
  }
}
