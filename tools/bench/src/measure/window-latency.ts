/** What InfluxDB held at one poll: counted events per window start (ms). */
export interface WindowObservation {
  at: number;
  counts: ReadonlyMap<number, number>;
}

export interface WindowLatency {
  windowStart: number;
  /** From the window's end to the first poll that saw its final count. */
  latencyMs: number;
}

/**
 * For each eligible window: how long after its end InfluxDB first answered with the window's
 * final count (the count read once the pipeline had drained). Polls are the only clock, so each
 * figure is an upper bound, late by at most one poll interval plus the query's own time.
 * A window whose final count no poll saw is reported at `finalReadAt`.
 */
export function windowLatencies(
  observations: readonly WindowObservation[],
  finals: ReadonlyMap<number, number>,
  finalReadAt: number,
  windowMs: number,
  eligible: (windowStart: number) => boolean,
): WindowLatency[] {
  const latencies: WindowLatency[] = [];
  for (const [windowStart, finalCount] of [...finals].sort((a, b) => a[0] - b[0])) {
    if (!eligible(windowStart) || finalCount <= 0) continue;
    const seen = observations.find((observation) => (observation.counts.get(windowStart) ?? 0) >= finalCount);
    latencies.push({ windowStart, latencyMs: (seen?.at ?? finalReadAt) - (windowStart + windowMs) });
  }
  return latencies;
}
