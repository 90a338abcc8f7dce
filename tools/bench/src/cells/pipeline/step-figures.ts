import type { MonitorReading } from '../../measure/pipeline-monitor';
import type { CpuReading } from '../../proc/process-meter';
import type { ProcessFigures } from '../../report/results';
import { median } from '../../stats/summary';

/** Per-process CPU per 1,000 events, with each Node process's event-loop delay during the step. */
export function processFigures(
  readings: readonly CpuReading[],
  events: number,
  monitorReadings: readonly MonitorReading[],
): ProcessFigures[] {
  return readings.map((reading) => {
    const loop = monitorReadings
      .map((monitored) => monitored.eventLoopP99Seconds[reading.name])
      .filter((value): value is number => value !== undefined && Number.isFinite(value))
      .map((seconds) => seconds * 1000);
    return {
      name: reading.name,
      role: reading.role,
      cpuMs: reading.cpuMs,
      cpuMsPer1000: events > 0 ? (reading.cpuMs * 1000) / events : Number.NaN,
      ...(loop.length > 0 ? { eventLoopP99Ms: { median: median(loop), max: Math.max(...loop) } } : {}),
    };
  });
}

/** CPU per 1,000 events of the pipeline's own processes, and of everything measured. */
export function cpuTotals(figures: readonly ProcessFigures[]): { pipeline: number; all: number } {
  const sum = (list: readonly ProcessFigures[]) =>
    list.reduce((total, figure) => total + figure.cpuMsPer1000, 0);
  return { pipeline: sum(figures.filter((figure) => figure.role === 'pipeline')), all: sum(figures) };
}

/** Events per second counted by `counter` between two readings. */
export function rateBetween(
  first: MonitorReading | undefined,
  last: MonitorReading | undefined,
  counter: (reading: MonitorReading) => number,
): number {
  if (!first || !last || last.at <= first.at) return 0;
  return ((counter(last) - counter(first)) * 1000) / (last.at - first.at);
}
