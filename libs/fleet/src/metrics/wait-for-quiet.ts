import { setTimeout as sleep } from 'node:timers/promises';
import { readFleetFigures, type FleetFigures, type MonitoredService } from './fleet-monitor';

function progress(figures: FleetFigures): string {
  return figures.services
    .map(
      (service) =>
        `${service.name}:${service.up}:${JSON.stringify(service.processed)}:${JSON.stringify(service.ingestion)}`,
    )
    .join('|');
}

export interface WaitForQuietOptions {
  timeoutMs?: number;
  intervalMs?: number;
  quietReadings?: number;
  /** Stops waiting: the last reading is returned as it stands. */
  signal?: AbortSignal;
}

/**
 * Waits until the pipeline has nothing left to do: every service up, no consumer lag, and no
 * counter moving for `quietReadings` readings in a row. Returns the last reading, also on
 * timeout or abort (the caller's checks then show what is missing).
 */
export async function waitForQuiet(
  services: readonly MonitoredService[],
  topicPrefix: string,
  { timeoutMs = 60_000, intervalMs = 1_000, quietReadings = 3, signal }: WaitForQuietOptions = {},
): Promise<FleetFigures> {
  const deadline = Date.now() + timeoutMs;
  let figures = await readFleetFigures(services, topicPrefix);
  let unchanged = 0;
  while (Date.now() < deadline && !signal?.aborted) {
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) break;
    const next = await readFleetFigures(services, topicPrefix);
    const quiet =
      next.services.every((service) => service.up && service.lag === 0) &&
      progress(next) === progress(figures);
    unchanged = quiet ? unchanged + 1 : 0;
    figures = next;
    if (unchanged >= quietReadings) break;
  }
  return figures;
}
